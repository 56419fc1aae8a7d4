class Solution:
    def countKConstraintSubstrings(self, s: str, k: int) -> int:
        # Requires both counts within k instead of either.
        total = 0
        for i in range(len(s)):
            for j in range(i + 1, len(s) + 1):
                t = s[i:j]
                if t.count("0") <= k and t.count("1") <= k:
                    total += 1
        return total
