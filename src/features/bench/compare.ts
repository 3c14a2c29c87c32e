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
  regression: boolean;
  /** Why it is a regression, in words; empty when it is not. */
  reasons: string[];
}

/**
 * A regression: throughput more than `thresholdPct` below the reference, or p95 latency more than
 * `thresholdPct` above it. Both directions of noise exist; the threshold is the operator's call.
 */
export function compare(result: Figures, reference: Figures, thresholdPct: number, label: string): Comparison {
  const t = thresholdPct / 100;
  const throughputRatio = result.recordsPerSec / reference.recordsPerSec;
  const p95Ratio = reference.p95 > 0 ? result.p95 / reference.p95 : 1;
  const reasons: string[] = [];
  if (throughputRatio < 1 - t) reasons.push(`throughput ${pct(1 - throughputRatio)} below`);
  if (reference.p95 > 0 && p95Ratio > 1 + t) reasons.push(`p95 latency ${pct(p95Ratio - 1)} above`);
  return { label, reference, throughputRatio, p95Ratio, regression: reasons.length > 0, reasons };
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
