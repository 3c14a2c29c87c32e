// resource.Quantity: "100m", "256Mi", "4Ti", "1.5", "2e3". Exact arithmetic in nano-units (BigInt), and the
// canonical form the API server prints (what `kubectl get quota` and status.used show): decimal values
// with the largest SI suffix that keeps them whole (2300m, 3, 1500k), binary ones with the largest
// power-of-1024 suffix (5888Mi, 25Gi), falling back to decimal below 1024 or for fractions.

export type QuantityFormat = 'DecimalSI' | 'BinarySI';

export interface Quantity {
  /** The value in units of 10^-9 (sub-nano precision rounds up, as the API server's does). */
  nanos: bigint;
  format: QuantityFormat;
}

const PATTERN = /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const NANO = 1_000_000_000n;

export const QUANTITY_REGEX_MESSAGE =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

export function parseQuantity(text: unknown): Quantity | undefined {
  if (typeof text === 'number') text = String(text);
  if (typeof text !== 'string') return undefined;
  const m = PATTERN.exec(text.trim());
  if (!m) return undefined;
  const [, sign, number = '', suffix = ''] = m;
  const [whole = '', fraction = ''] = number.split('.');
  let mantissa = BigInt(`${whole || '0'}${fraction}`);
  let exponent10 = -fraction.length + 9;
  let format: QuantityFormat = 'DecimalSI';
  if (suffix in BINARY) {
    mantissa *= 1n << BigInt(BINARY[suffix] as number);
    format = 'BinarySI';
  } else if (suffix in DECIMAL) exponent10 += DECIMAL[suffix] as number;
  else exponent10 += Number(suffix.slice(1));
  let nanos: bigint;
  if (exponent10 >= 0) nanos = mantissa * 10n ** BigInt(exponent10);
  else {
    const divisor = 10n ** BigInt(-exponent10);
    nanos = (mantissa + divisor - 1n) / divisor;
  }
  return { nanos: sign === '-' ? -nanos : nanos, format };
}

export function addQuantities(values: Quantity[]): Quantity {
  let nanos = 0n;
  let format: QuantityFormat | undefined;
  for (const q of values) {
    if (format === undefined && q.nanos !== 0n) format = q.format;
    nanos += q.nanos;
  }
  return { nanos, format: format ?? 'DecimalSI' };
}

export function formatQuantity(q: Quantity): string {
  const negative = q.nanos < 0n;
  const abs = negative ? -q.nanos : q.nanos;
  const sign = negative ? '-' : '';
  if (q.format === 'BinarySI' && abs >= 1024n * NANO && abs % NANO === 0n) {
    let value = abs / NANO;
    let power = 0;
    while (power < 6 && value % 1024n === 0n) {
      value /= 1024n;
      power++;
    }
    return `${sign}${value}${['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'][power]}`;
  }
  if (abs === 0n) return '0';
  // value = abs × 10^-9; strip factors of ten, then settle on an exponent that is a multiple of three.
  let mantissa = abs;
  let exponent = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  const rem = ((exponent % 3) + 3) % 3;
  mantissa *= 10n ** BigInt(rem);
  exponent -= rem;
  const suffix = Object.entries(DECIMAL).find(([, e]) => e === exponent)?.[0];
  if (suffix === undefined) return `${sign}${mantissa}e${exponent}`;
  return `${sign}${mantissa}${suffix}`;
}
