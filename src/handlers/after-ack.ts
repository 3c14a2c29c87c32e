import type { Logger } from '../log.js';

/** After-ack tasks running at once: enough to keep Redis and Slack busy, few enough not to crowd out the acks. */
export const AFTER_ACK_CONCURRENCY = 8;

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
  ) {}

  /** Runs `task` later, off the request's path; a failure is logged (Bolt no longer sees it). */
  run(task: () => Promise<void>): void {
    this.waiting.push(task);
    this.schedule();
  }

  /** Resolves once every task given so far has ended (at shutdown: none is dropped). */
  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
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
