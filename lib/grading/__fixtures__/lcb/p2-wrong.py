# Counts distinct prime factors instead of prime factors with multiplicity.
n = int(input())
x = 0
for v in map(int, input().split()):
    c, p = 0, 2
    while p * p <= v:
        if v % p == 0:
            c += 1
            while v % p == 0:
                v //= p
        p += 1
    x ^= c + (1 if v > 1 else 0)
print("Anna" if x else "Bruno")
