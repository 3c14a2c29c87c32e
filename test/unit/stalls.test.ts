import { describe, expect, it } from '@jest/globals';
import type { JobContext } from '../../src/jobs/job.js';
import { REGISTRY } from '../../src/app/jobs.js';
import { StalledTooOften } from '../../src/jobs/registry.js';
import { silentLogger } from '../../src/log.js';

/** A job context whose BullMQ job was taken over `stalls` times after its worker died. */
const context = (stalls: number) =>
  ({
    jobId: 'j1',
    data: {
      job: 'bench-kafka',
      command: { name: 'bench', action: 'kafka' },
      requester: { user: 'U1', channel: 'C1' },
      reply: { channel: 'C1', ts: '1.1' },
    },
    deps: { queue: { queue: { getJob: async () => ({ stalledCounter: stalls }) } } },
    log: silentLogger(),
    progress: async () => undefined,
  }) as unknown as JobContext;

describe('jobs taken over after a dead worker (stalled)', () => {
  it('let rollouts and migrations resume through several worker restarts', () => {
    expect(REGISTRY.stallsAllowed('restart-rollout')).toBeGreaterThanOrEqual(2);
    expect(REGISTRY.stallsAllowed('vault-migrate-run')).toBeGreaterThanOrEqual(2);
    expect(REGISTRY.maxStalledCount).toBe(
      Math.max(REGISTRY.stallsAllowed('restart-rollout'), REGISTRY.stallsAllowed('vault-migrate-run')),
    );
  });

  it('never run a Kafka benchmark twice: a stalled one fails, after its cleanup', async () => {
    expect(REGISTRY.stallsAllowed('bench-kafka')).toBe(0);
    const bench = REGISTRY.jobFor('bench-kafka')!;
    await expect(bench.run(context(1))).rejects.toBeInstanceOf(StalledTooOften);
  });
});
