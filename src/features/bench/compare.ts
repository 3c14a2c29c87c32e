/** How a benchmark result compares with a reference: the configured baseline or earlier runs. */

export interface Figures {
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  p95: number;
}

export interface Comparison {
  /** e.g. "baseline (Phase 4 report)" or "median of the last 5 runs with these parameters". */
  label: string;
  reference: Figures;
  /** result ÷ reference. */
  throughputRatio: number;
  p95Ratio: number;
  /** False when the reference's latency came from a run of another kind (see `sameKind`): p95 is not judged. */
  latencyComparable: boolean;
  regression: boolean;
  /** Why it is a regression, in words; empty when it is not. */
  reasons: string[];
  /** What was not judged and why, in words (a latency of another kind of run). */
  notes: string[];
}

/**
 * How the runs behind a comparison were driven: the rate each was throttled to (records/s; -1 or 0 for
 * as fast as it goes). `run` is this run's; `latency` the run's the reference latency came from.
 */
export interface RunKinds {
  run: number;
  latency: number;
}

/** How far apart two throttled rates may be and still count as similar: 25 % of the higher. */
export const SIMILAR_RATE = 0.25;

/**
 * Whether two runs' latencies compare: both unthrottled, or both throttled at similar rates. An unthrottled
 * run fills the producer's buffers and waits in them, so its latency is many times a throttled run's.
 */
export function sameKind(a: number, b: number): boolean {
  const [throttledA, throttledB] = [a > 0, b > 0];
  if (!throttledA || !throttledB) return throttledA === throttledB;
  return Math.abs(a - b) <= SIMILAR_RATE * Math.max(a, b);
}

const kindWords = (rate: number) =>
  rate > 0 ? `throttled to ${Math.round(rate).toLocaleString('en-US')}/s` : 'unthrottled';

/**
 * A regression: throughput more than `thresholdPct` below the reference, or p95 latency more than
 * `thresholdPct` above it. Both directions of noise exist; the threshold is the operator's call.
 * Latency is judged only against a run of the same kind (`kinds`; same parameters when absent): an
 * unthrottled run's p95 against a throttled run's is marked not comparable, never flagged.
 */
export function compare(
  result: Figures,
  reference: Figures,
  thresholdPct: number,
  label: string,
  kinds?: RunKinds,
): Comparison {
  const t = thresholdPct / 100;
  const throughputRatio = result.recordsPerSec / reference.recordsPerSec;
  const p95Ratio = reference.p95 > 0 ? result.p95 / reference.p95 : 1;
  const latencyComparable = kinds === undefined || sameKind(kinds.run, kinds.latency);
  const reasons: string[] = [];
  const notes: string[] = [];
  if (throughputRatio < 1 - t) reasons.push(`throughput ${pct(1 - throughputRatio)} below`);
  if (!latencyComparable && kinds !== undefined)
    notes.push(`p95 not comparable (measured ${kindWords(kinds.latency)}, this run ${kindWords(kinds.run)})`);
  else if (reference.p95 > 0 && p95Ratio > 1 + t) reasons.push(`p95 latency ${pct(p95Ratio - 1)} above`);
  return {
    label,
    reference,
    throughputRatio,
    p95Ratio,
    latencyComparable,
    regression: reasons.length > 0,
    reasons,
    notes,
  };
}

/** The median of each figure over earlier runs: one slow run does not move the reference much. */
export function medianFigures(runs: readonly Figures[]): Figures | undefined {
  if (runs.length === 0) return undefined;
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  return {
    recordsPerSec: median(runs.map((r) => r.recordsPerSec)),
    mbPerSec: median(runs.map((r) => r.mbPerSec)),
    avgLatencyMs: median(runs.map((r) => r.avgLatencyMs)),
    p95: median(runs.map((r) => r.p95)),
  };
}

const pct = (fraction: number) => `${(fraction * 100).toFixed(0)} %`;
