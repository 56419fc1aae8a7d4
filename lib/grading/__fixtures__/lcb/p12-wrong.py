class Solution:
    def maximumTotalSum(self, maximumHeight: List[int]) -> int:
        # Never reports an impossible assignment.
        cap = float("inf")
        total = 0
        for h in sorted(maximumHeight, reverse=True):
            cap = min(h, cap - 1)
            total += cap
        return int(total)
