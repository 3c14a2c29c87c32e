import { describe, expect, it } from '@jest/globals';
import { AfterAck } from '../../src/handlers/after-ack.js';
import { KeyStates } from '../../src/features/vault/key-states.js';
import type { KeyUpdate } from '../../src/features/vault/store.js';
import { silentLogger } from '../../src/log.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('AfterAck: the work after a Slack ack', () => {
  it('never runs inside the listener, runs at most `limit` tasks at once, and idle() waits for all of them', async () => {
    const lane = new AfterAck(silentLogger(), 2);
    const release: (() => void)[] = [];
    let started = 0;
    for (let i = 0; i < 5; i++)
      lane.run(async () => {
        started++;
        await new Promise<void>((resolve) => release.push(resolve));
      });
    expect(started).toBe(0); // the listener returns (and its ack goes out) before any of it runs
    await tick();
    expect(started).toBe(2);
    let idle = false;
    void lane.idle().then(() => (idle = true));
    while (started < 5 || release.length > 0) {
      release.shift()?.();
      await tick();
    }
    await tick();
    expect(idle).toBe(true);
  });

  it('keeps going after a task fails', async () => {
    const lane = new AfterAck(silentLogger(), 1);
    const done: number[] = [];
    lane.run(async () => {
      throw new Error('Slack refused the post');
    });
    lane.run(async () => void done.push(2));
    await lane.idle();
    expect(done).toEqual([2]);
  });

  it('has no room once `maxWaiting` tasks wait (the next request is refused in its ack), and room again as they start', async () => {
    const lane = new AfterAck(silentLogger(), 1, 2);
    const release: (() => void)[] = [];
    const blocked = () => new Promise<void>((resolve) => release.push(resolve));
    lane.run(blocked);
    lane.run(blocked);
    expect(lane.hasRoom()).toBe(false);
    await tick(); // the first starts: one waits
    expect(lane.backlog).toBe(1);
    expect(lane.hasRoom()).toBe(true);
    while (release.length > 0 || lane.backlog > 0) {
      release.shift()?.();
      await tick();
    }
  });

  it('a shutdown waits for the work at most `timeoutMs`, then drops what has not started', async () => {
    const lane = new AfterAck(silentLogger(), 1);
    let release: () => void = () => undefined;
    let second = false;
    lane.run(() => new Promise<void>((resolve) => (release = resolve)));
    lane.run(async () => void (second = true));
    await tick();
    await lane.idle(10);
    expect(lane.backlog).toBe(0);
    release();
    await tick();
    await tick();
    expect(second).toBe(false);
  });
});

describe('KeyStates: a migration’s key states, group-committed', () => {
  it('sends the updates made while a statement is in flight together, the later state of a key winning', async () => {
    const batches: KeyUpdate[][] = [];
    let finishFirst: () => void = () => undefined;
    const states = new KeyStates(
      {
        setKeys: async (_id: string, updates: readonly KeyUpdate[]) => {
          batches.push([...updates]);
          if (batches.length === 1) await new Promise<void>((resolve) => (finishFirst = resolve));
        },
      },
      'm1',
    );
    const first = states.set('A', 'written', { vaultVersion: 1 });
    await tick(); // A's statement is in flight
    const b = states.set('B', 'written', { vaultVersion: 3 });
    const a = states.set('A', 'verified');
    const stop = states.set('C', undefined, { detail: 'Vault stopped answering' });
    finishFirst();
    await Promise.all([first, a, b, stop, states.settled()]);
    expect(batches).toEqual([
      [{ key: 'A', state: 'written', vaultVersion: 1, detail: undefined }],
      [
        { key: 'B', state: 'written', vaultVersion: 3, detail: undefined },
        { key: 'A', state: 'verified', vaultVersion: undefined, detail: undefined },
        { key: 'C', state: undefined, vaultVersion: undefined, detail: 'Vault stopped answering' },
      ],
    ]);
  });

  it('leaves no rejection unhandled when a batch fails before its caller awaits it; the later await still rejects', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const states = new KeyStates(
        {
          setKeys: async () => {
            throw new Error('PostgreSQL went away');
          },
        },
        'm1',
      );
      // As the migration: the write is recorded while Vault is read back, and awaited only after that read.
      const written = states.set('A', 'written', { vaultVersion: 1 });
      for (let i = 0; i < 5; i++) await tick();
      expect(unhandled).toEqual([]);
      await expect(written).rejects.toThrow('PostgreSQL went away');
      await expect(states.settled()).resolves.toBeUndefined();
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
});
