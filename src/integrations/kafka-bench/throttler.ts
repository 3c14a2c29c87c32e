/**
 * Kafka's ThroughputThrottler (org.apache.kafka.server.util), which ProducerPerformance uses for
 * `--throughput R`: before each send, if the average rate since the start is above R, add 1/R s
 * to a sleep deficit and sleep it off once it reaches 2 ms. Being based on the average since the
 * start, it catches up by itself after a sleep that overshot.
 * Java blocks the sending thread; here `throttle()` returns the milliseconds the caller should await.
 */
const NS_PER_SEC = 1e9;
const MIN_SLEEP_NS = 2e6;

export class ThroughputThrottler {
  readonly #targetPerSec: number;
  readonly #startMs: number;
  readonly #sleepTimeNs: number;
  #sleepDeficitNs = 0;

  /** `targetPerSec` < 0 disables throttling; 0, which blocks Java's producer for ever, is refused. */
  constructor(targetPerSec: number, startMs: number) {
    if (targetPerSec === 0 || Number.isNaN(targetPerSec))
      throw new RangeError(`throughput must be positive or negative (unthrottled), got ${targetPerSec}`);
    this.#targetPerSec = targetPerSec;
    this.#startMs = startMs;
    this.#sleepTimeNs = targetPerSec > 0 ? Math.trunc(NS_PER_SEC / targetPerSec) : Number.POSITIVE_INFINITY;
  }

  /** Whether `amountSoFar` records sent by `sendStartMs` is above the target rate. */
  shouldThrottle(amountSoFar: number, sendStartMs: number): boolean {
    if (this.#targetPerSec < 0) return false;
    const elapsedSec = Math.fround((sendStartMs - this.#startMs) / 1000); // Java computes this in float
    return elapsedSec > 0 && amountSoFar / elapsedSec > this.#targetPerSec;
  }

  /** Adds one record's worth of sleep; returns how long to sleep now (0 while the deficit is under 2 ms). */
  throttle(): number {
    this.#sleepDeficitNs += this.#sleepTimeNs;
    if (this.#sleepDeficitNs < MIN_SLEEP_NS) return 0;
    const sleepMs = this.#sleepDeficitNs / 1e6;
    this.#sleepDeficitNs = 0;
    return sleepMs;
  }
}
