# Applies the operation once whatever K is.
n, k = map(int, input().split())
x = [int(v) - 1 for v in input().split()]
a = input().split()
print(" ".join(a[x[i]] for i in range(n)))
