/**
 * What every bench/ script prints the same way: the machine and its load, and a figure's median and range
 * over repeated, alternated runs.
 */
import { cpus, loadavg } from 'node:os';

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** `median (min–max, n runs)`, each value through `format`. */
export function medianAndRange(xs: readonly number[], format: (x: number) => string = (x) => x.toFixed(2)): string {
  if (xs.length === 0) return 'n/a';
  return `${format(median(xs))} (${format(Math.min(...xs))}–${format(Math.max(...xs))}, ${xs.length} runs)`;
}

export const loadAverage = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** One line naming the machine, for the top of a bench's output. */
export const machine = (): string =>
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${loadAverage()}`;

/**
 * Runs each side `repeat` times, alternating which goes first from one round to the next so that a warming
 * or busy machine favours neither; returns each side's results in run order.
 */
export async function alternated<T>(
  sides: Record<string, () => Promise<T>>,
  repeat: number,
): Promise<Record<string, T[]>> {
  const names = Object.keys(sides);
  const results: Record<string, T[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < repeat; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) results[name]!.push(await sides[name]!());
  }
  return results;
}
