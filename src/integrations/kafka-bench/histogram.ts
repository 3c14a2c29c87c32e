/** One bar of the latency distribution: `count` records acknowledged in [fromMs, toMs). */
export interface LatencyBucket {
  fromMs: number;
  toMs: number;
  count: number;
}

const NICE_STEPS = [1, 2, 5];

/** The smallest 1-2-5 × 10^k width that covers 0..maxMs in at most `maxBuckets` bars (a chart's x-axis). */
function bucketWidth(maxMs: number, maxBuckets: number): number {
  for (let scale = 1; ; scale *= 10) {
    for (const step of NICE_STEPS) {
      const width = step * scale;
      if (Math.floor(maxMs / width) + 1 <= maxBuckets) return width;
    }
  }
}

/** Groups per-millisecond counts (index = latency in ms) into equal-width buckets from 0 to the maximum. */
export function latencyBuckets(countsPerMs: readonly (number | undefined)[], maxBuckets = 40): LatencyBucket[] {
  if (countsPerMs.length === 0) return [];
  const width = bucketWidth(countsPerMs.length - 1, maxBuckets);
  const buckets: LatencyBucket[] = [];
  for (let from = 0; from < countsPerMs.length; from += width) {
    let count = 0;
    for (let ms = from; ms < Math.min(from + width, countsPerMs.length); ms++) count += countsPerMs[ms] ?? 0;
    buckets.push({ fromMs: from, toMs: from + width, count });
  }
  return buckets;
}
