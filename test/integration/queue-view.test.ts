import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import { loadConfig } from '../../src/config.js';
import { buildWorker, withQueueView, type BuiltWorker } from '../../src/app/worker.js';
import { RestartRig } from '../support/restart-rig.js';

/**
 * The queue view (Bull Board) a worker serves when QUEUE_VIEW_PORT is set: basic auth on every request, read
 * only, on the loopback; and no view at all without the setting. The worker is the one buildWorker makes, with
 * its options from the settings as `carbon worker` takes them (withQueueView).
 */
const PASSWORD = 'a-long-test-password-0123';
const rig = new RestartRig();
let worker: BuiltWorker;
let base = '';

beforeAll(async () => {
  await rig.start({ worker: false });
  const config = loadConfig({
    QUEUE_NAME: rig.queueName,
    QUEUE_VIEW_PORT: '0',
    QUEUE_VIEW_USER: 'ops',
    QUEUE_VIEW_PASSWORD: PASSWORD,
  });
  worker = await buildWorker({ ...rig.workerDeps(), config }, { statusSchedule: false, ...withQueueView(config) });
  base = `http://127.0.0.1:${portOf(worker.queueView)}`;
  // A job that waits an hour: the view lists it.
  await rig.queue.queue.add('status-post', { job: 'status-post' } as never, { delay: 3_600_000, jobId: 'view-test-1' });
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await rig.stop();
});

function portOf(server: Server | undefined): number {
  const address = server?.address();
  if (typeof address !== 'object' || address === null) throw new Error('the queue view is not listening');
  return address.port;
}

const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

describe('the queue view', () => {
  it('refuses every request without the right user and password with 401 and a Basic challenge', async () => {
    for (const headers of [
      {},
      basic('ops', 'wrong-password-0123456'),
      basic('someone', PASSWORD),
      basic('ops', `${PASSWORD}x`),
      basic('', ''),
      { Authorization: 'Bearer x' },
      { Authorization: 'Basic !!!' },
    ])
      for (const path of ['/', '/api/queues']) {
        const response = await fetch(`${base}${path}`, { headers });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
        expect(await response.text()).toBe('');
      }
  });

  it('with them, serves the board and lists the queue with its delayed job', async () => {
    const page = await fetch(`${base}/`, { headers: basic('ops', PASSWORD) });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const response = await fetch(`${base}/api/queues?activeQueue=${rig.queueName}&status=delayed`, {
      headers: basic('ops', PASSWORD),
    });
    expect(response.status).toBe(200);
    const { queues } = (await response.json()) as {
      queues: { name: string; readOnlyMode: boolean; counts: Record<string, number>; jobs: { id: string }[] }[];
    };
    const queue = queues.find((q) => q.name === rig.queueName);
    expect(queue).toMatchObject({ readOnlyMode: true });
    // Beside it, the approvals sweep's next run (a job scheduler's delayed job) waits too.
    expect(queue?.counts['delayed']).toBe(await rig.queue.queue.getDelayedCount());
    expect(queue?.jobs.map((j) => j.id)).toContain('view-test-1');
  });

  it('is read-only: promoting, retrying, cleaning or pausing is refused and changes nothing', async () => {
    const headers = basic('ops', PASSWORD);
    for (const [method, path] of [
      ['PUT', `/api/queues/${rig.queueName}/view-test-1/promote`],
      ['PUT', `/api/queues/${rig.queueName}/retry/failed`],
      ['PUT', `/api/queues/${rig.queueName}/clean/delayed`],
      ['PUT', `/api/queues/${rig.queueName}/view-test-1/clean`],
      ['PUT', '/api/queues/pause'],
      ['PUT', `/api/queues/${rig.queueName}/empty`],
      ['POST', `/api/queues/${rig.queueName}/add`],
    ] as const)
      expect((await fetch(`${base}${path}`, { method, headers })).status).toBe(405);
    expect(await rig.queue.queue.getJobState('view-test-1')).toBe('delayed');
    expect(await rig.queue.queue.isPaused()).toBe(false);
  });

  it('listens on the loopback only', () => {
    expect(worker.queueView?.address()).toMatchObject({ address: '127.0.0.1' });
  });
});

describe('off by default', () => {
  it('is not served, and no port is opened, without QUEUE_VIEW_PORT', async () => {
    const config = loadConfig({ QUEUE_NAME: rig.queueName });
    expect(withQueueView(config)).toEqual({});
    const listening = () =>
      (process as unknown as { _getActiveHandles(): unknown[] })
        ._getActiveHandles()
        .filter((h) => (h as { listening?: boolean }).listening === true).length;
    const before = listening();
    const plain = await buildWorker(
      { ...rig.workerDeps(), config },
      { statusSchedule: false, ...withQueueView(config) },
    );
    try {
      expect(plain.queueView).toBeUndefined();
      expect(listening()).toBe(before);
    } finally {
      await plain.close();
    }
  });

  it('refuses to start the view without a password, or with a short one', () => {
    expect(() => loadConfig({ QUEUE_VIEW_PORT: '8081' })).toThrow(/QUEUE_VIEW_PASSWORD: required with QUEUE_VIEW_PORT/);
    expect(() => loadConfig({ QUEUE_VIEW_PORT: '8081', QUEUE_VIEW_PASSWORD: 'short' })).toThrow(
      /QUEUE_VIEW_PASSWORD: required with QUEUE_VIEW_PORT, at least 16 characters/,
    );
  });
});
