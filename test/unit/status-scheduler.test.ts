import { describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import { loadConfig } from '../../src/config.js';
import { startStatusSchedule } from '../../src/features/status/scheduler.js';
import { silentLogger } from '../../src/log.js';
import { STATUS_SCHEDULER_ID } from '../../src/features/status/schedule.js';
import type { Store } from '../../src/app/store.js';

/** A queue that records what is done to the shared scheduler. */
function fakeQueue() {
  const calls: string[] = [];
  const queue = {
    removeJobScheduler: async (id: string) => void calls.push(`remove ${id}`),
    upsertJobScheduler: async (id: string) => void calls.push(`upsert ${id}`),
  } as unknown as Queue;
  return { queue, calls };
}

describe('the shared daily-post scheduler', () => {
  it('is left alone by a process started without STATUS_CHANNEL (a mis-configured replica)', async () => {
    const { queue, calls } = fakeQueue();
    const started = await startStatusSchedule({
      queue,
      store: {} as Store,
      config: loadConfig({}),
      log: silentLogger(),
    });
    expect(started).toEqual({ kind: 'off', reason: 'STATUS_CHANNEL is not set' });
    expect(calls).toEqual([]);
  });

  it('is removed only when STATUS_ENABLED=false says so', async () => {
    const { queue, calls } = fakeQueue();
    const started = await startStatusSchedule({
      queue,
      store: {} as Store,
      config: loadConfig({ STATUS_ENABLED: 'false', STATUS_CHANNEL: 'C0STATUS' }),
      log: silentLogger(),
    });
    expect(started).toEqual({ kind: 'off', reason: 'STATUS_ENABLED=false' });
    expect(calls).toEqual([`remove ${STATUS_SCHEDULER_ID}`]);
    expect(() => loadConfig({ STATUS_ENABLED: 'no' })).toThrow(/STATUS_ENABLED/);
  });
});
