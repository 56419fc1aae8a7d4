/** Numeric tolerance shared by the comparisons. */
/**
 * Equal up to float noise, or equal when both are rounded to 6 decimals (Math-Verify's
 * `float_rounding`): `0.333333` matches `\frac13`, `3.14159` does not match `\pi`.
 */
export function closeNumbers(a: number, b: number): boolean {
  if (Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))) return true;
  return Math.abs(a) < 1e9 && Math.round(a * 1e6) === Math.round(b * 1e6);
}
