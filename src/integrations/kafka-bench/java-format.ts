/**
 * Java's `String.format("%.Nf", x)`, so our lines read exactly like ProducerPerformance's.
 * Java rounds the shortest decimal form of the double (Double.toString's digits) half-up, whereas
 * `toFixed` rounds the exact binary value: 1.005 is "1.01" in Java and "1.00" with toFixed(2).
 */
export function javaFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  // toExponential() without an argument gives the shortest digits that round-trip, like Java.
  const [mantissa = '0', exponent = '0'] = Math.abs(x).toExponential().split('e');
  const shortest = mantissa.replace('.', '');
  const kept = Number(exponent) + 1 + digits; // digits left of the rounding point
  let scaled = 0n;
  if (kept >= 0) {
    scaled = kept > 0 ? BigInt(shortest.slice(0, kept).padEnd(kept, '0')) : 0n;
    if ((shortest[kept] ?? '0') >= '5') scaled += 1n;
  }
  const text = scaled.toString().padStart(digits + 1, '0');
  const body = digits > 0 ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text;
  return x < 0 ? `-${body}` : body;
}
