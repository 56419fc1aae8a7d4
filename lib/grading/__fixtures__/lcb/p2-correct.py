import sys


def omega(v):
    c, p = 0, 2
    while p * p <= v:
        while v % p == 0:
            v //= p
            c += 1
        p += 1
    return c + (1 if v > 1 else 0)


data = sys.stdin.buffer.read().split()
x = 0
for v in data[1:]:
    x ^= omega(int(v))
print("Anna" if x else "Bruno")
