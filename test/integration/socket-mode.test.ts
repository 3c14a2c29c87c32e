import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { buildBot } from '../../src/app/bot.js';
import { loadConfig } from '../../src/config.js';
import type { Deployment, Pod } from '../../src/devstack/kube/index.js';
import { RESTARTED_AT } from '../../src/features/restart/plan.js';
import { silentLogger } from '../../src/log.js';
import { APP_TOKEN, RestartRig } from '../support/restart-rig.js';
import { EVENT_WAIT_MS } from '../support/until.js';

/**
 * The bot in Socket Mode: SLACK_APP_TOKEN and no signing secret, so Slack's requests reach it only as envelopes
 * over the Slack stand-in's WebSocket link, on real parts (BullMQ on the real Redis, a worker, the Kubernetes
 * stand-in, PostgreSQL).
 */
const rig = new RestartRig();
beforeAll(() => rig.start({ socketMode: true }));
afterAll(() => rig.stop());

const link = () => rig.slack.socketMode;
const openConnections = () => link().connections.filter((c) => c.closedAt === undefined);
const messages = (channel: 'C0INCIDENT' | 'C0GENERAL') => rig.slack.messages(channel);
const waitForMessage = (channel: 'C0INCIDENT' | 'C0GENERAL', match: (text: string, threadTs?: string) => boolean) =>
  rig.slack.waitFor(() => messages(channel).find((m) => match(m.text, m.thread_ts)), EVENT_WAIT_MS);

/** The health line the cluster's pods call for: ready pods of all but those that Succeeded. */
function expectedHealthLine(): string {
  const pods = rig.kube.cluster.list<Pod>('pods').filter((p) => p.status?.phase !== 'Succeeded');
  const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  return `(${ready.length} of ${pods.length} pods ready)`;
}

/** Waits for a whisper to `user` matching `pattern` that was not there before `action`. */
async function newWhisper(user: string, channel: 'C0INCIDENT' | 'C0GENERAL', pattern: RegExp, action: () => unknown) {
  const before = rig.whispers(user, channel).length;
  await action();
  return rig.slack.waitFor(
    () =>
      rig
        .whispers(user, channel)
        .slice(before)
        .find((e) => pattern.test(e.text)),
    EVENT_WAIT_MS,
  );
}

/** Waits until the bot holds a connection again after `before` connections were made. */
async function reconnected(before: number) {
  return rig.slack.waitFor(
    () => link().connections.length > before && openConnections().length === 1 && openConnections()[0],
    EVENT_WAIT_MS,
  );
}

describe('the bot in Socket Mode', () => {
  it('connects with its app-level token and takes no requests over HTTP', async () => {
    const opens = rig.slack.calls.filter((c) => c.method === 'apps.connections.open');
    expect(opens.map((c) => c.error)).toEqual([undefined]);
    expect(openConnections()).toHaveLength(1);
    // No request URL in Socket Mode: /slack/events is not served, only the probes.
    expect((await rig.slash('health', 'U0VIEWER', 'C0GENERAL')).status).toBe(404);
  });

  it('acks /carbon health from a slash_commands envelope and posts the report', async () => {
    const delivery = await rig.socketSlash('health', 'U0VIEWER', 'C0GENERAL');
    expect(delivery).toMatchObject({ acked: true, payload: {} }); // an empty ack: the answer is posted
    const report = await waitForMessage('C0GENERAL', (t) => t.startsWith('Platform health'));
    expect(report.text).toContain(expectedHealthLine());
    expect(delivery.attempts).toEqual([expect.objectContaining({ type: 'slash_commands', outcome: 'acked' })]);
  });

  it('answers an app_mention from an events_api envelope in its thread', async () => {
    const ts = `${Math.floor(Date.now() / 1000)}.000301`;
    const delivery = await rig.socketMention('health', 'U0VIEWER', ts, { channel: 'C0GENERAL' });
    expect(delivery.acked).toBe(true);
    const report = await waitForMessage('C0GENERAL', (t, thread) => thread === ts && t.startsWith('Platform health'));
    expect(report.text).toContain(expectedHealthLine());
  });

  it("restarts after another person's Approve click arrives in an interactive envelope", async () => {
    const reason = 'workers wedged on a stale broker connection';
    const asked = await rig.socketSlash(
      `restart deployment/superset-worker -n data-platform --reason "${reason}"`,
      'U0OPERATOR',
    );
    expect(asked.acked).toBe(true);
    const request = await rig.waitForRequest(
      (r) => r.name === 'superset-worker' && r.state === 'pending' && r.planTs !== undefined,
    );
    expect(request).toMatchObject({ requestedBy: 'U0OPERATOR', reason });

    const click = await rig.socketClick('approve', request, 'U0APPROVER');
    expect(click).toMatchObject({ acked: true, attempts: [expect.objectContaining({ type: 'interactive' })] });
    const done = await rig.waitForRequest((r) => r.id === request.id && r.state === 'succeeded');
    const deployment = rig.kube.cluster.get<Deployment>('deployments', 'data-platform', 'superset-worker');
    expect(deployment?.spec.template.metadata?.annotations?.[RESTARTED_AT]).toBe(done.restartedAt);
    await waitForMessage('C0INCIDENT', (t, thread) => thread === request.threadTs && /^✅ Restarted/.test(t));
    expect((await rig.audit({ requestId: request.id })).map((r) => [r.outcome, r.actor])).toEqual([
      ['requested', 'U0OPERATOR'],
      ['approved', 'U0APPROVER'],
      ['started', 'U0OPERATOR'],
      ['succeeded', 'U0OPERATOR'],
    ]);
  });

  it('reconnects after the link drops and takes commands on the new connection', async () => {
    const before = link().connections.length;
    link().drop();
    const connection = await reconnected(before);
    await newWhisper('U0VIEWER', 'C0GENERAL', /restart/, async () => {
      const delivery = await rig.socketSlash('help', 'U0VIEWER', 'C0GENERAL');
      expect(delivery).toMatchObject({
        acked: true,
        attempts: [expect.objectContaining({ connection: connection.id })],
      });
    });
  });

  it('reconnects when told to refresh; a command sent meanwhile waits for the new connection', async () => {
    const [old] = openConnections();
    const before = link().connections.length;
    await newWhisper('U0OPERATOR', 'C0INCIDENT', /restart/, async () => {
      link().disconnect('refresh_requested');
      const delivery = rig.socketSlash('help restart', 'U0OPERATOR');
      const connection = await reconnected(before);
      expect(await delivery).toMatchObject({
        acked: true,
        attempts: [expect.objectContaining({ connection: connection.id })],
      });
    });
    // The bot closed the old connection itself, with a close frame, as Slack asks.
    expect(link().connections.find((c) => c.id === old?.id)).toMatchObject({ closeCode: 1000 });
  });

  it('runs a mention once when Slack redelivers it because the link dropped before the ack arrived', async () => {
    const ts = `${Math.floor(Date.now() / 1000)}.000302`;
    const inThread = (method: string) =>
      rig.slack.calls.filter((c) => c.method === method && c.payload['thread_ts'] === ts && !c.error);
    const delivery = await rig.socketMention('restart trino, it is stuck on queued queries', 'U0OPERATOR', ts, {
      dropOnAck: true,
    });
    // The bot acked the first delivery, which Slack never read; it acked the retry on its next connection too.
    expect(delivery.acked).toBe(true);
    const [first, retry] = delivery.attempts;
    expect(delivery.attempts.map((a) => a.outcome)).toEqual(['connection_lost', 'acked']);
    expect(retry).toMatchObject({ retry_attempt: 1, retry_reason: 'connection_failed' });
    expect(retry?.connection).toBeGreaterThan(first?.connection ?? Infinity);
    const statusOf = (id: string | undefined) => link().acks.find((a) => a.envelope_id === id)?.status;
    expect([statusOf(first?.envelope_id), statusOf(retry?.envelope_id)]).toEqual(['lost', 'accepted']);

    const request = await rig.waitForRequest((r) => r.threadTs === ts && r.planTs !== undefined);
    // A later request, answered in full: the retry, handled before it, would have posted by now.
    const later = `${Math.floor(Date.now() / 1000)}.000303`;
    await rig.socketMention('health', 'U0VIEWER', later, { channel: 'C0GENERAL' });
    await waitForMessage('C0GENERAL', (t, thread) => thread === later && t.startsWith('Platform health'));

    const queued = inThread('chat.postMessage').filter((c) => String(c.payload['text']).startsWith('⏳ Queued'));
    expect(queued).toHaveLength(1);
    const jobs = await rig.queue.queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed']);
    expect(jobs.filter((j) => j.data.job === 'restart-request' && j.data.reply?.threadTs === ts)).toHaveLength(1);
    const requested = (await rig.audit({ requestId: request.id })).filter((r) => r.outcome === 'requested');
    expect(requested).toHaveLength(1);
    const { rows } = await rig.store.pool.query('SELECT id FROM restart_requests WHERE thread_ts = $1', [ts]);
    expect(rows).toEqual([{ id: request.id }]);
  });
});

describe('a bot whose app-level token Slack refuses', () => {
  it('fails to start with the reason, leaving nothing listening', async () => {
    const port = await freePort();
    const config = loadConfig({
      QUEUE_NAME: rig.queueName,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_APP_TOKEN: `${APP_TOKEN}-revoked`,
      SLACK_API_URL: rig.slack.url,
      PORT: String(port),
    });
    const deps = { config, log: silentLogger(), policy: rig.policy, catalogue: rig.catalogue, store: rig.store };
    await expect(buildBot(deps, { statusSchedule: false })).rejects.toThrow(/invalid_auth/);
    const refused = rig.slack.calls.filter((c) => c.method === 'apps.connections.open' && c.error !== undefined);
    expect(refused.map((c) => c.error)).toEqual(['invalid_auth']);
    expect(await freePort(port)).toBe(port); // the probe server went with it
  });
});

/** A port nothing listens on (the one asked for, or any), found by listening on it for a moment. */
function freePort(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}
