/**
 * Sign-in attempts are limited per account name and for the server as a whole, in memory
 * (one process serves the app). Failures count; a success clears the name's window.
 */
export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();
  private global: number[] = [];

  constructor(
    private readonly perName = 5,
    private readonly total = 30,
    private readonly windowMs = 15 * 60 * 1000,
  ) {}

  /** Milliseconds until another attempt for `name` is allowed, or 0 when it is allowed now. */
  retryAfter(name: string, now = Date.now()): number {
    const since = now - this.windowMs;
    const mine = (this.failures.get(name.toLowerCase()) ?? []).filter((t) => t > since);
    this.global = this.global.filter((t) => t > since);
    if (mine.length >= this.perName) return mine[0]! + this.windowMs - now;
    if (this.global.length >= this.total) return this.global[0]! + this.windowMs - now;
    return 0;
  }

  fail(name: string, now = Date.now()): void {
    const key = name.toLowerCase();
    const since = now - this.windowMs;
    this.failures.set(key, [...(this.failures.get(key) ?? []).filter((t) => t > since), now]);
    this.global.push(now);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(name: string): void {
    this.failures.delete(name.toLowerCase());
  }
}
