import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkMessage } from '../../src/devstack/slack/block-limits.js';
import type { StoredMessage } from '../../src/devstack/slack/workspace.js';
import { startAlertmanager, type PrivateAlertmanager } from '../support/alertmanager.js';
import { randomBytes } from 'node:crypto';
import { FAKE_WORKSPACE, sendInteraction } from '../../src/devstack/slack/index.js';
import { RestartRig, SECRET } from '../support/restart-rig.js';
import { freePort } from '../support/server-process.js';
import { until } from '../support/until.js';
import { queryAs } from '../support/postgres.js';

/**
 * Alerts from a real Alertmanager (Debian's prometheus-alertmanager) to the bot's receiver, through BullMQ
 * and a worker, into the Slack stand-in: one message per group, edited in place, changes in its thread.
 */
const TOKEN = 'test-alertmanager-token-0123456789';
const rig = new RestartRig();
let am: PrivateAlertmanager;
let receiver = '';

beforeAll(async () => {
  // The bot's port is chosen first: Alertmanager's config names the receiver, the bot's config Alertmanager.
  const port = await freePort();
  receiver = `http://127.0.0.1:${port}/alertmanager`;
  am = await startAlertmanager({ webhookUrl: receiver, token: TOKEN });
  await rig.start({
    env: {
      PORT: String(port),
      ALERTMANAGER_WEBHOOK_TOKEN: TOKEN,
      ALERTMANAGER_URL: am.url,
      INCIDENT_CHANNEL: 'C0INCIDENT',
    },
  });
});
afterAll(async () => {
  await rig.stop();
  await am?.close();
});

const roots = () => rig.slack.messages('C0INCIDENT').filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);
const rootNamed = (name: string) => roots().filter((m) => m.text.includes(name));
const replies = (root: StoredMessage) =>
  rig.slack.messages('C0INCIDENT').filter((m) => m.thread_ts === root.ts && m.ts !== root.ts);

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(receiver, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body,
  });

/** A version-4 payload as Alertmanager sends it, for the requests a real Alertmanager would not make. */
function payload(groupKey: string, alerts: { labels: Record<string, string>; status?: string }[]) {
  return JSON.stringify({
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'carbon-ops',
    groupLabels: { alertname: alerts[0]!.labels['alertname'] },
    commonLabels: { alertname: alerts[0]!.labels['alertname'] },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    alerts: alerts.map((a, i) => ({
      status: a.status ?? 'firing',
      labels: a.labels,
      annotations: {},
      startsAt: '2026-12-07T10:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: i.toString(16).padStart(16, '0'),
    })),
  });
}

describe('alerts from Alertmanager', () => {
  it('posts one message per group with the incident buttons, edits it as alerts fire and resolve, and threads the changes', async () => {
    const labels = {
      alertname: 'SupersetWorkerDown',
      namespace: 'data-platform',
      deployment: 'superset-worker',
      severity: 'critical',
    };
    await am.postAlerts([
      {
        labels: { ...labels, pod: 'superset-worker-1' },
        annotations: { summary: 'worker <!channel> is *down* & out' },
      },
    ]);
    const message = await rig.slack.waitFor(() => rootNamed('SupersetWorkerDown')[0]);
    expect(message.text).toContain('1 firing');
    expect(checkMessage({ text: message.text, blocks: message.blocks })).toBeUndefined();
    const json = JSON.stringify(message.blocks);
    for (const id of [
      'incident-restart',
      'incident-silence-1h',
      'incident-silence-4h',
      'incident-logs',
      'incident-events',
    ])
      expect(json).toContain(id);
    // The rule's text is shown, never obeyed: no @channel, no mrkdwn from a label or annotation.
    expect(json).not.toContain('<!channel>');
    expect(json).toContain('&lt;!channel&gt;');

    // A second alert of the same group: the same message, edited; the change in its thread.
    await am.postAlerts([{ labels: { ...labels, pod: 'superset-worker-2' } }]);
    const second = await until('the second alert in the thread', () =>
      replies(message).find((m) => m.text.includes('superset-worker-2')),
    );
    expect(second.text).toMatch(/Firing \(1\)/);
    expect(rootNamed('SupersetWorkerDown')).toHaveLength(1);
    expect(rootNamed('SupersetWorkerDown')[0]!.text).toContain('2 firing');

    // Both resolve: the message says so and loses its buttons; the thread lists them.
    const past = new Date(Date.now() - 1000).toISOString();
    await am.postAlerts([
      { labels: { ...labels, pod: 'superset-worker-1' }, endsAt: past },
      { labels: { ...labels, pod: 'superset-worker-2' }, endsAt: past },
    ]);
    const resolved = await until('the group to be resolved', () =>
      rootNamed('SupersetWorkerDown').find((m) => m.text.includes('resolved')),
    );
    expect(JSON.stringify(resolved.blocks)).not.toContain('incident-restart');
    await until('the resolution in the thread', () => replies(message).find((m) => /Resolved \(2\)/.test(m.text)));
    expect(rootNamed('SupersetWorkerDown')).toHaveLength(1);
  });

  it('changes nothing for a redelivered notification', async () => {
    const body = payload('{}:{alertname="Redelivered"}', [{ labels: { alertname: 'Redelivered', job: 'x' } }]);
    expect((await post(body)).status).toBe(202);
    const message = await rig.slack.waitFor(() => rootNamed('Redelivered')[0]);
    expect((await post(body)).status).toBe(202);
    // A notification queued after the redelivery is shown: the redelivery, before it, did nothing.
    expect((await post(payload('{}:{alertname="After"}', [{ labels: { alertname: 'After' } }]))).status).toBe(202);
    await rig.slack.waitFor(() => rootNamed('After')[0]);
    expect(rootNamed('Redelivered')).toHaveLength(1);
    expect(rig.slack.messages('C0INCIDENT').find((m) => m.ts === message.ts)!.updates).toBe(0);
    expect(replies(message)).toHaveLength(0);

    // An older notification whose job runs late (a retry) is not shown over the newer one the message shows.
    const stale = JSON.parse(
      payload('{}:{alertname="Redelivered"}', [{ labels: { alertname: 'Redelivered', job: 'x' }, status: 'resolved' }]),
    ) as object;
    await rig.queue.enqueueOwn(
      'alert-notify',
      { channel: 'C0INCIDENT', notification: stale, receivedAt: Date.now() - 60_000 },
      'alert-stale-redelivered',
    );
    await until('the stale job to finish', async () => {
      const state = await (await rig.queue.queue.getJob('alert-stale-redelivered'))?.getState();
      return state === 'completed' || state === 'failed' ? state : undefined;
    });
    expect(rig.slack.messages('C0INCIDENT').find((m) => m.ts === message.ts)!.updates).toBe(0);
    expect(replies(message)).toHaveLength(0);
  });

  it('posts a group and its replies once when its job died after the post, before recording it', async () => {
    // PostgreSQL refuses what the job records after a post, as if its worker died right after Slack took it.
    const refuseRecords = async (when: string) => {
      await queryAs(
        rig.db.migrationUrl,
        `CREATE OR REPLACE FUNCTION died_here() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'the worker died here'; END $$;
         CREATE TRIGGER died_here BEFORE UPDATE ON alert_groups FOR EACH ROW
           WHEN (NEW.group_labels->>'alertname' = 'Crashed' AND ${when}) EXECUTE FUNCTION died_here();`,
      );
      return () => queryAs(rig.db.migrationUrl, 'DROP TRIGGER died_here ON alert_groups');
    };
    const crashed = (alerts: { labels: Record<string, string> }[]) => payload('{}:{alertname="Crashed"}', alerts);
    /** Sends the notification, lets its first attempt die, then lets the retry run to its end. */
    const dieOnce = async (body: string, when: string) => {
      const allow = await refuseRecords(when);
      expect((await post(body)).status).toBe(202);
      const job = await until('the first attempt to die', async () =>
        (await rig.queue.queue.getJobs(['delayed', 'failed', 'waiting', 'active'])).find(
          (j) => j.attemptsMade >= 1 && JSON.stringify(j.data).includes('Crashed'),
        ),
      );
      await allow();
      await until('the retry to complete', async () => ((await job.getState()) === 'completed' ? true : undefined));
    };

    await dieOnce(crashed([{ labels: { alertname: 'Crashed', pod: 'a' } }]), 'NEW.message_ts IS NOT NULL');
    expect(rootNamed('Crashed')).toHaveLength(1);
    const message = rootNamed('Crashed')[0]!;
    expect(message.text).toContain('1 firing');

    // A change's reply, posted before its job died: not posted again.
    await dieOnce(
      crashed([{ labels: { alertname: 'Crashed', pod: 'a' } }, { labels: { alertname: 'Crashed', pod: 'b' } }]),
      'NEW.states IS DISTINCT FROM OLD.states',
    );
    expect(replies(message).filter((m) => m.text.includes('pod=b') || /Firing/.test(m.text))).toHaveLength(1);
    expect(rootNamed('Crashed')).toHaveLength(1);
    expect(rootNamed('Crashed')[0]!.text).toContain('2 firing');
  });

  it('keeps a group of thousands of alerts within Slack’s limits', async () => {
    const alerts = Array.from({ length: 3000 }, (_, i) => ({
      labels: { alertname: 'Storm', instance: `node-${i}:9100 <!here>`, job: 'node' },
    }));
    expect((await post(payload('{}:{alertname="Storm"}', alerts))).status).toBe(202);
    const message = await rig.slack.waitFor(() => rootNamed('Storm')[0]);
    expect(message.text).toContain('3000 firing');
    expect(JSON.stringify(message.blocks)).toContain('and 2985 more');
    expect(checkMessage({ text: message.text, blocks: message.blocks })).toBeUndefined();
  });

  it('posts a new message when a resolved group fires again, instead of replying in the old thread', async () => {
    const firing = payload('{}:{alertname="Again"}', [{ labels: { alertname: 'Again', job: 'x' } }]);
    expect((await post(firing)).status).toBe(202);
    const first = await rig.slack.waitFor(() => rootNamed('Again')[0]);
    const resolved = payload('{}:{alertname="Again"}', [
      { labels: { alertname: 'Again', job: 'x' }, status: 'resolved' },
    ]);
    expect((await post(resolved)).status).toBe(202);
    await until('the group to be resolved', () => rootNamed('Again').find((m) => m.text.includes('resolved')));
    // It fires again (Alertmanager's body differs by its times; here by a label's value).
    const again = payload('{}:{alertname="Again"}', [{ labels: { alertname: 'Again', job: 'y' } }]);
    expect((await post(again)).status).toBe(202);
    const second = await rig.slack.waitFor(() => rootNamed('Again').find((m) => m.ts !== first.ts));
    expect(second.text).toContain('1 firing');
    expect(replies(first).filter((m) => /Firing/.test(m.text))).toHaveLength(0);
  });

  it('shows an oversized notification in part instead of refusing it (Alertmanager does not retry a 4xx)', async () => {
    const labels = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`l${i}`, `v${i}`]));
    const body = JSON.parse(
      payload('{}:{alertname="Oversized"}', [{ labels: { alertname: 'Oversized', ...labels } }]),
    ) as { alerts: { annotations: Record<string, string> }[] };
    body.alerts[0]!.annotations = { summary: `${'long '.repeat(2000)}end` };
    expect((await post(JSON.stringify(body))).status).toBe(202);
    const message = await rig.slack.waitFor(() => rootNamed('Oversized')[0]);
    expect(checkMessage({ text: message.text, blocks: message.blocks })).toBeUndefined();
  });

  it('refuses what is not an authenticated Alertmanager notification, and queues nothing for it', async () => {
    const good = payload('{}:{alertname="Refused"}', [{ labels: { alertname: 'Refused' } }]);
    expect((await post(good, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await post(good, { authorization: '' })).status).toBe(401);
    expect((await post(good, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('{"version": "4", ')).status).toBe(400);
    expect((await post(good.replace('"version":"4"', '"version":"3"'))).status).toBe(400);
    expect((await post(JSON.stringify({ version: '4', groupKey: 'x' }))).status).toBe(400);
    const huge = await post(JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) })).catch(() => undefined);
    // Refused before the whole body is read: a 413, or the connection closed under the sender.
    if (huge !== undefined) expect(huge.status).toBe(413);
    const counts = await rig.queue.queue.getJobCounts();
    const jobs = await rig.queue.queue.getJobs(['completed', 'active', 'waiting', 'delayed', 'failed']);
    expect(jobs.filter((j) => JSON.stringify(j.data).includes('Refused'))).toHaveLength(0);
    expect(counts['failed']).toBe(0);
    expect(rootNamed('Refused')).toHaveLength(0);
  });
});

let clicks = 0;

/** A click on one of the incident buttons under `message`, as Slack posts it. */
function clickIncident(message: StoredMessage, actionId: string, user: string) {
  const actions = (
    message.blocks as { type: string; block_id?: string; elements?: { action_id: string; value: string }[] }[]
  ).find((b) => b.type === 'actions');
  const button = actions?.elements?.find((e) => e.action_id === actionId);
  if (button === undefined) throw new Error(`no ${actionId} button on the message`);
  const micros = (Date.now() * 1000 + (clicks++ % 1000)).toString();
  return sendInteraction(rig.eventsUrl, SECRET, {
    type: 'block_actions',
    team: { id: FAKE_WORKSPACE.teamId },
    user: { id: user },
    channel: { id: 'C0INCIDENT', name: 'inc-demo' },
    container: { type: 'message', message_ts: message.ts, channel_id: 'C0INCIDENT' },
    message: { type: 'message', ts: message.ts, text: message.text },
    api_app_id: FAKE_WORKSPACE.appId,
    trigger_id: `${Date.now()}.${randomBytes(6).toString('hex')}`,
    response_url: rig.slack.responseUrl(),
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: actions!.block_id,
        value: button.value,
        action_ts: `${micros.slice(0, -6)}.${micros.slice(-6)}`,
      },
    ],
  });
}

describe('the buttons under an alert', () => {
  const labels = {
    alertname: 'WorkerWedged',
    namespace: 'data-platform',
    deployment: 'superset-worker',
    severity: 'critical',
  };
  let message: StoredMessage;
  beforeAll(async () => {
    await am.postAlerts([{ labels, annotations: { summary: 'no task finished for 15 minutes' } }]);
    message = await rig.slack.waitFor(() => rootNamed('WorkerWedged')[0]);
  });

  it('Silence 1h creates a silence of the group in Alertmanager, audited and shown in the thread', async () => {
    expect((await clickIncident(message, 'incident-silence-1h', 'U0OPERATOR')).status).toBe(200);
    const silence = await until('the silence in Alertmanager', async () =>
      (await am.silences()).find(
        (s) => s.status.state === 'active' && s.matchers.some((m) => m.value === 'WorkerWedged'),
      ),
    );
    expect(silence.matchers.map((m) => [m.name, m.value, m.isRegex]).sort()).toEqual([
      ['alertname', 'WorkerWedged', false],
      ['namespace', 'data-platform', false],
    ]);
    const hours = (Date.parse(silence.endsAt) - Date.parse(silence.startsAt)) / 3_600_000;
    expect(hours).toBeCloseTo(1, 1);
    await until('the silence in the thread', () => replies(message).find((m) => m.text.includes(silence.id)));
    const audit = (await rig.audit({ actor: 'U0OPERATOR' })).filter((r) => r.action === 'silence');
    expect(audit.map((r) => r.outcome)).toEqual(['started', 'succeeded']);
    // Looked at while still active (as when someone extended it): looked at again at its end, under a job id
    // BullMQ accepts (no colons).
    const first = await rig.queue.queue.getJob(`silence-expired-${silence.id}`);
    expect(await first?.getState()).toBe('delayed');
    await first!.promote();
    const again = `silence-expired-${silence.id}-${Date.parse(silence.endsAt)}-1`;
    const note = await until('the look at its end', () => rig.queue.queue.getJob(again));
    await until('the first look to complete', async () => (await first!.getState()) === 'completed' || undefined);
    // At its end (here: expired by hand, and the job queued for its end run now) the thread says so.
    expect((await fetch(`${am.url}/api/v2/silence/${silence.id}`, { method: 'DELETE' })).status).toBe(200);
    expect(await note.getState()).toBe('delayed');
    await note.promote();
    await until('the expiry in the thread', () =>
      replies(message).find((m) => m.text.includes(`${silence.id}\` has expired`)),
    );
    // A viewer may not silence: refused to them alone, and nothing more in Alertmanager.
    expect((await clickIncident(message, 'incident-silence-4h', 'U0VIEWER')).status).toBe(200);
    await rig.whisper('U0VIEWER', /needs the operator role/);
    expect((await am.silences()).filter((s) => s.matchers.some((m) => m.value === 'WorkerWedged'))).toHaveLength(1);
  });

  it('Logs answers in the thread; a button value carbon-ops did not write is refused to the clicker', async () => {
    expect((await clickIncident(message, 'incident-logs', 'U0VIEWER')).status).toBe(200);
    await until('the log in the thread', () =>
      replies(message).find((m) => /superset-worker/.test(m.text) && /log/i.test(m.text) && !/Queued/i.test(m.text)),
    );
    const forged = structuredClone(message);
    const actions = (forged.blocks as { type: string; elements?: { value: string }[] }[]).find(
      (b) => b.type === 'actions',
    );
    for (const button of actions!.elements!) button.value = '{"target":{"kind":"secret","name":"x","namespace":"y"}}';
    const before = rig.slack.calls.filter((c) => c.method === 'chat.postMessage').length;
    expect((await clickIncident(forged, 'incident-restart', 'U0OPERATOR')).status).toBe(200);
    await rig.whisper('U0OPERATOR', /does not carry an incident carbon-ops posted/);
    expect(rig.slack.calls.filter((c) => c.method === 'chat.postMessage').length).toBe(before);
  });

  it('Events answers in the thread', async () => {
    expect((await clickIncident(message, 'incident-events', 'U0VIEWER')).status).toBe(200);
    await until('the events in the thread', () =>
      replies(message).find(
        (m) => /deployment\/superset-worker/.test(m.text) && !/Queued/i.test(m.text) && /event/i.test(m.text),
      ),
    );
  });

  it('Restart opens the restart request in the thread; another person approves; the rollout completes there', async () => {
    expect((await clickIncident(message, 'incident-restart', 'U0OPERATOR')).status).toBe(200);
    const request = await rig.waitForPlanned('superset-worker');
    expect(request).toMatchObject({ namespace: 'data-platform', kind: 'deployment', requestedBy: 'U0OPERATOR' });
    expect(request.threadTs).toBe(message.ts);
    expect(rig.slack.messages('C0INCIDENT').find((m) => m.ts === request.planTs)?.thread_ts).toBe(message.ts);
    expect((await rig.click('approve', request, 'U0APPROVER')).status).toBe(200);
    await rig.waitForRequest((r) => r.id === request.id && r.state === 'succeeded');
    await until('the rollout result in the alert thread', () =>
      replies(message).find((m) => /Restarted deployment\/superset-worker/.test(m.text)),
    );
  });
});
