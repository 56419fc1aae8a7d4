import sys


def main():
    d = sys.stdin.read().split()
    n, k = int(d[0]), int(d[1])
    f = [int(v) - 1 for v in d[2:2 + n]]
    a = d[2 + n:2 + 2 * n]
    idx = list(range(n))
    while k:
        if k & 1:
            idx = [f[i] for i in idx]
        f = [f[i] for i in f]
        k >>= 1
    print(" ".join(a[i] for i in idx))


main()
