import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobData, ScheduledJobName } from '../contracts/jobs.js';

/** The job queue as the bot sees it: enqueue, claim request ids, nothing else. */
export class CommandQueue {
  readonly queue: Queue<JobData>;

  constructor(
    readonly name: string,
    private readonly connection: Redis,
    /** How many attempts each job gets (the JobRegistry). */
    private readonly jobs: { attemptsOf(name: string): number | undefined },
    /**
     * One process's own queue (a terminal session): the follow-up jobs of requests made elsewhere are
     * never in it, so it must not judge them lost (approvals/recover.ts).
     */
    readonly isPrivate = false,
  ) {
    this.queue = new Queue<JobData>(name, { connection });
    // Connection errors surface on the caller's own commands (enqueue, claim); BullMQ would print them raw.
    this.queue.on('error', () => undefined);
  }

  /**
   * Enqueues `data.job`, after `options.delayMs` if given. A `jobId` makes it idempotent: BullMQ ignores
   * a second add with the same id, so a double click on Approve cannot start the follow-up twice.
   */
  async enqueue(data: JobData, jobId?: string, options: { delayMs?: number } = {}): Promise<string> {
    const attempts = this.jobs.attemptsOf(data.job);
    if (attempts === undefined) throw new Error(`No job definition for ${data.job}`);
    const job = await this.queue.add(data.job, data, {
      ...(jobId !== undefined ? { jobId } : {}),
      ...(options.delayMs !== undefined ? { delay: options.delayMs } : {}),
      attempts,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    return job.id ?? '';
  }

  /**
   * Enqueues a job nobody asked for in chat (an Alertmanager notification, a note at a silence's end), its data
   * its own, after `options.delayMs` if given. The `jobId`
   * makes a redelivery within a day a no-op (BullMQ keeps completed jobs that long).
   */
  async enqueueOwn(
    name: ScheduledJobName,
    data: object,
    jobId: string,
    options: { delayMs?: number } = {},
  ): Promise<void> {
    const attempts = this.jobs.attemptsOf(name);
    if (attempts === undefined) throw new Error(`No job definition for ${name}`);
    // The queue is typed by the jobs asked for in chat; an own job's data is typed by its definition.
    await (this.queue as unknown as Queue).add(name, data, {
      jobId,
      ...(options.delayMs !== undefined ? { delay: options.delayMs } : {}),
      attempts,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  /**
   * True the first time `key` is claimed within `ttlSec` (SET NX EX, so every replica sees the same claims):
   * the Slack handlers drop a request whose id was seen before.
   */
  async claim(key: string, ttlSec: number): Promise<boolean> {
    return (await this.connection.set(`${this.name}:dedupe:${key}`, '1', 'EX', ttlSec, 'NX')) === 'OK';
  }

  /**
   * 0 when this caller may go now (the turn is taken for `intervalMs`), else how many ms the current turn
   * still holds: one turn per interval per key across every process (pacing posts within Slack's rate).
   */
  async turn(key: string, intervalMs: number): Promise<number> {
    const slot = `${this.name}:turn:${key}`;
    if ((await this.connection.set(slot, '1', 'PX', intervalMs, 'NX')) === 'OK') return 0;
    return Math.max(20, await this.connection.pttl(slot));
  }

  /**
   * Redis answers. Concurrent callers share the ping in flight (its PONG comes after each of them asked), so a
   * burst of requests costs one round trip, not one each.
   */
  ping(): Promise<void> {
    this.pinging ??= this.connection.ping().then(
      () => {
        this.pinging = undefined;
      },
      (error: unknown) => {
        this.pinging = undefined;
        throw error;
      },
    );
    return this.pinging;
  }

  private pinging: Promise<void> | undefined;

  close(): Promise<void> {
    return this.queue.close();
  }
}
