import type { Queue } from 'bullmq';
import type { Logger } from '../log.js';

/** How often the approvals sweep runs (src/app/approval-kinds.ts, `approvalsSweep`). */
export const SWEEP_EVERY_MS = 30_000;

/**
 * Registers the approvals sweep as a BullMQ job scheduler: the same id and options from every process,
 * so BullMQ keeps one scheduler and one next job however many workers start. Retried every `retryMs`
 * until Redis takes it: without it, expiry and recovery would wait for the next restart.
 */
export function keepApprovalsSwept(
  queue: Queue,
  log: Logger,
  everyMs = SWEEP_EVERY_MS,
  retryMs = 30_000,
): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const attempt = async () => {
    if (stopped) return;
    try {
      await queue.upsertJobScheduler(
        'approvals-sweep',
        { every: everyMs },
        {
          name: 'approvals-sweep',
          data: {},
          opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
        },
      );
    } catch (error) {
      log.warn({ err: error, retryInMs: retryMs }, 'approvals sweep not scheduled yet; retrying');
      if (!stopped) timer = setTimeout(() => void attempt(), retryMs);
    }
  };
  void attempt();
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
