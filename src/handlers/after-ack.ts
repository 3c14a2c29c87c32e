import type { Logger } from '../log.js';

/** After-ack tasks running at once: enough to keep Redis and Slack busy, few enough not to crowd out the acks. */
export const AFTER_ACK_CONCURRENCY = 8;

/**
 * Tasks waiting to start, at most: past it a request is refused in its ack (the person is told to retry) instead
 * of growing a backlog that would answer minutes late. At 2–3 ms of CPU a task, 1,000 is a few seconds of work.
 */
export const AFTER_ACK_MAX_WAITING = 1000;

/** How long a shutdown waits for the acked requests' work before it gives up on the rest (and logs how many). */
export const AFTER_ACK_DRAIN_MS = 10_000;

/**
 * The work a listener does once it has acked (parse, policy, the Redis ping, the "Queued" post, the enqueue),
 * taken off the request's path: queued in arrival order and started from setImmediate, at most `limit` at once.
 * Node runs setImmediate callbacks after the I/O the loop has ready, so the requests that arrived meanwhile
 * (intake, signature, replay claim, ack) go first and a burst of after-ack work never holds up the next ack;
 * the work waits instead, and catches up as the load falls.
 */
export class AfterAck {
  private readonly waiting: (() => Promise<void>)[] = [];
  private running = 0;
  private scheduled = false;
  private drained: (() => void)[] = [];

  constructor(
    private readonly log: Logger,
    private readonly limit = AFTER_ACK_CONCURRENCY,
    private readonly maxWaiting = AFTER_ACK_MAX_WAITING,
  ) {}

  /** Tasks given but not started yet. */
  get backlog(): number {
    return this.waiting.length;
  }

  /** Whether one more task may wait: checked before the ack, which otherwise says the command was taken. */
  hasRoom(): boolean {
    return this.waiting.length < this.maxWaiting;
  }

  /** Runs `task` later, off the request's path; a failure is logged (Bolt no longer sees it). */
  run(task: () => Promise<void>): void {
    this.waiting.push(task);
    this.schedule();
  }

  /**
   * Resolves once every task given so far has ended (at shutdown: none is dropped), or after `timeoutMs`, when the
   * tasks not started are dropped and counted in the log (a task already running is left to end on its own).
   */
  idle(timeoutMs = AFTER_ACK_DRAIN_MS): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const dropped = this.waiting.splice(0).length;
        this.log.error(
          { dropped, running: this.running },
          'shutdown: acknowledged Slack commands not run (their work did not finish in time)',
        );
        resolve();
      }, timeoutMs);
      this.drained.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0 || this.running >= this.limit) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.running < this.limit && this.waiting.length > 0) this.start(this.waiting.shift()!);
    });
  }

  private start(task: () => Promise<void>): void {
    this.running++;
    task()
      .catch((error: unknown) => this.log.error({ err: error }, 'work after a Slack ack failed'))
      .finally(() => {
        this.running--;
        if (this.running === 0 && this.waiting.length === 0) for (const resolve of this.drained.splice(0)) resolve();
        this.schedule();
      });
  }
}
