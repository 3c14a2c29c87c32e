import type { Queue } from 'bullmq';
import type { Logger } from '../log.js';

/** How often the approvals sweep runs (src/app/approval-kinds.ts, `approvalsSweep`). */
export const SWEEP_EVERY_MS = 30_000;

/**
 * Registers the approvals sweep as a BullMQ job scheduler: the same id and options from every process,
 * so BullMQ keeps one scheduler and one next job however many workers start.
 */
export async function scheduleApprovalsSweep(queue: Queue, log: Logger, everyMs = SWEEP_EVERY_MS): Promise<void> {
  await queue
    .upsertJobScheduler(
      'approvals-sweep',
      { every: everyMs },
      {
        name: 'approvals-sweep',
        data: {},
        opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
      },
    )
    .catch((error: unknown) => log.warn({ err: error }, 'approvals sweep not scheduled'));
}
