import { UsageError } from '../errors.js';
import { shown } from './spec.js';

export const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The longest look back: a year. Exports of longer spans go through `carbon audit export`. */
export const MAX_SINCE_MS = 366 * UNITS.d!;

/** `30m`, `24h`, `7d`, `2w`: a positive amount of one unit. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,6})([smhdw])$/.exec(text.trim().toLowerCase());
  const ms = match ? Number(match[1]) * UNITS[match[2]!]! : NaN;
  if (!(ms > 0) || ms > MAX_SINCE_MS)
    throw new UsageError(`\`${shown(text)}\` is not a duration like 30m, 24h, 7d or 2w (at most a year).`);
  return ms;
}
