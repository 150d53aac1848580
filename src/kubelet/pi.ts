// π to any number of significant digits, as Math::BigFloat's bpi(N) prints it (the digits
// rounded, not cut, at the last place), for the perl of the simulated containers: the
// kubernetes.io Job example prints bpi(2000). Machin's formula over BigInt fixed point.

/** arctan(1/x) scaled by `one`, by its Taylor series (terms shrink by x² each step). */
function arctanInverse(x: bigint, one: bigint): bigint {
  const x2 = x * x;
  let term = one / x;
  let sum = term;
  for (let n = 3n, sign = -1n; term !== 0n; n += 2n, sign = -sign) {
    term /= x2;
    sum += sign * (term / n);
  }
  return sum;
}

/** π with `digits` significant digits (at least 1), rounded half up: `3.14159…`. */
export function piDigits(digits: number): string {
  if (!Number.isInteger(digits) || digits < 1) throw new RangeError(`digits must be a positive integer, not ${digits}`);
  const guard = 10n;
  const one = 10n ** (BigInt(digits - 1) + guard);
  // π = 16·atan(1/5) − 4·atan(1/239)
  const pi = 16n * arctanInverse(5n, one) - 4n * arctanInverse(239n, one);
  const scale = 10n ** guard;
  const rounded = (pi + scale / 2n) / scale;
  const text = rounded.toString();
  return text.length > 1 ? `${text[0]}.${text.slice(1)}` : text;
}
