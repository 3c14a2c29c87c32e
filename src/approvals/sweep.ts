import type { Queue } from 'bullmq';
import type { Logger } from '../log.js';
import { keepTrying } from '../jobs/keep-trying.js';

/** How often the approvals sweep runs (src/app/approval-kinds.ts, `approvalsSweep`). */
export const SWEEP_EVERY_MS = 30_000;

/**
 * Registers the approvals sweep as a BullMQ job scheduler: the same id and options from every process,
 * so BullMQ keeps one scheduler and one next job however many workers start. Retried every `retryMs`
 * until Redis takes it, and registered `again()` when Redis reconnects (a restart without persistence
 * loses it): without it, expiry and recovery would wait for the next process start or planning job.
 */
export function keepApprovalsSwept(
  queue: Queue,
  log: Logger,
  everyMs = SWEEP_EVERY_MS,
  retryMs = 30_000,
): { stop(): void; again(): void } {
  const opts = { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } };
  const register = () =>
    queue.upsertJobScheduler('approvals-sweep', { every: everyMs }, { name: 'approvals-sweep', data: {}, opts });
  return keepTrying(register, { retryMs, log, what: 'approvals sweep' });
}
