// resource.Quantity values compared by amount: the API server stores `cpu: 1000m` as `1` and
// `memory: 1024Mi` as `1Gi`, so a manifest and its live object can spell the same quantity differently.

const PATTERN = /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };

/** The amount in units of 10^-9 (what the API server rounds to), or undefined when `text` is not a quantity. */
export function parseQuantity(text: string): bigint | undefined {
  // Bounded, so a hostile value (`1e99999999`) cannot stall the worker: no real quantity comes near.
  if (text.length > 64) return undefined;
  const m = PATTERN.exec(text.trim());
  if (m === null) return undefined;
  const [, sign = '', number = '', suffix = ''] = m;
  const [whole = '', fraction = ''] = number.split('.');
  let mantissa = BigInt(`${whole || '0'}${fraction}`) * (sign === '-' ? -1n : 1n);
  let exponent = 9 - fraction.length;
  if (suffix in BINARY) mantissa <<= BINARY[suffix]!;
  else if (suffix in DECIMAL) exponent += DECIMAL[suffix]!;
  else if (Math.abs(Number(suffix.slice(1))) <= 30) exponent += Number(suffix.slice(1));
  else return undefined;
  if (exponent >= 0) return mantissa * 10n ** BigInt(exponent);
  const divisor = 10n ** BigInt(-exponent);
  return (mantissa + divisor - 1n) / divisor;
}
