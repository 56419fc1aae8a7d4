# Counts only the pairs with s < t (forgets walking past rest area N).
n, m = map(int, input().split())
a = list(map(int, input().split()))
pre = [0]
for v in a:
    pre.append(pre[-1] + v)
print(sum(1 for s in range(n) for t in range(s + 1, n) if (pre[t] - pre[s]) % m == 0))
