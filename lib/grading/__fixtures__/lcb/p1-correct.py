from collections import defaultdict

n, m = map(int, input().split())
a = list(map(int, input().split()))
pre = [0] * (2 * n + 1)
for i in range(2 * n):
    pre[i + 1] = pre[i] + a[i % n]
cnt = defaultdict(int)
ans = 0
for j in range(1, 2 * n):
    if j - 1 < n:
        cnt[pre[j - 1] % m] += 1
    if j - n >= 0:
        cnt[pre[j - n] % m] -= 1
    ans += cnt[pre[j] % m]
print(ans)
