class Solution:
    def maximumTotalSum(self, maximumHeight: List[int]) -> int:
        cap = inf
        total = 0
        for h in sorted(maximumHeight, reverse=True):
            cap = min(h, cap - 1)
            if cap <= 0:
                return -1
            total += cap
        return total
