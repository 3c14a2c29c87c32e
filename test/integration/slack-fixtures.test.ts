import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { signSlackRequest } from '../../src/devstack/slack/index.js';
import type { RestartRequest } from '../../src/features/restart/store.js';
import { RestartRig, SECRET } from '../support/restart-rig.js';
import { EVENT_WAIT_MS, until } from '../support/until.js';

/**
 * Slack's requests as Slack sends them (test/fixtures/slack: slash commands and interactions form-encoded,
 * Events API callbacks as JSON), signed with the signing secret and a fresh timestamp, posted to the bot
 * that buildBot makes, with a worker from buildWorker behind it. What is asserted is what a person would
 * notice: the answer or the refusal, the job run, and for a malformed request that nothing was started.
 */
const rig = new RestartRig();
beforeAll(() => rig.start(), 60_000);
afterAll(() => rig.stop());

const FORM = 'application/x-www-form-urlencoded';

/** The fixture's body with its {{PLACEHOLDERS}} filled (URL-encoded in a form body), and its content type. */
async function load(name: string, values: Record<string, string>): Promise<{ body: string; contentType: string }> {
  const raw = await readFile(`test/fixtures/slack/${name}`, 'utf8');
  const fill = (text: string, encode: (value: string) => string) =>
    text.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
      if (values[key] === undefined) throw new Error(`${name}: no value for {{${key}}}`);
      return encode(values[key]);
    });
  if (name.endsWith('.txt')) return { body: fill(raw, encodeURIComponent), contentType: FORM };
  const payload: unknown = JSON.parse(fill(raw, (v) => v));
  if ((payload as { type?: string }).type === 'event_callback')
    return { body: JSON.stringify(payload), contentType: 'application/json' };
  // Interactions arrive as one form field, `payload`, holding the JSON.
  return { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), contentType: FORM };
}

/** Posts a fixture as Slack would: signed now (or `skewSec` away, or with another secret). */
async function send(
  name: string,
  values: Record<string, string> = {},
  signing: { skewSec?: number; secret?: string } = {},
): Promise<{ status: number; body: string }> {
  const { body, contentType } = await load(name, { RESPONSE_URL: rig.slack.responseUrl(), ...values });
  const timestamp = Math.floor(Date.now() / 1000) + (signing.skewSec ?? 0);
  const headers = signSlackRequest(body, signing.secret ?? SECRET, timestamp, contentType);
  const response = await fetch(rig.eventsUrl, { method: 'POST', headers, body });
  return { status: response.status, body: await response.text() };
}

/** What a request could have started: Slack calls, jobs, audit rows. */
async function footprint() {
  const counts = await rig.queue.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
  return {
    slackCalls: rig.slack.calls.filter((c) => c.method !== 'auth.test').length,
    jobs: Object.values(counts).reduce((a, b) => a + b, 0),
    auditRows: (await rig.audit()).length,
  };
}

const requestValues = (request: RestartRequest) => ({
  REQUEST_ID: request.id,
  PLAN_TS: request.planTs!,
  THREAD_TS: request.threadTs!,
});

const pendingRestart = (service: string) => rig.pendingRestart(service, 'fixture test');

// First, while nothing else runs: a refusal must leave no trace, which is checked by counting.
describe('malformed and forged requests', () => {
  it.each([
    ['slash-command-missing-text.txt', '`text`'],
    ['slash-command-missing-user-id.txt', '`user_id`'],
    ['slash-command-missing-channel-id.txt', '`channel_id`'],
  ])('%s: refused in the reply to Slack, naming the field, with nothing run', async (fixture, field) => {
    const before = await footprint();
    const response = await send(fixture);
    expect(response.status).toBe(200); // Slack shows the body of the ack to the person who typed the command
    expect(response.body).toBe(
      `🚫 carbon-ops could not read this request: Slack sent it without ${field}. Nothing was run; please try again.`,
    );
    expect(await footprint()).toEqual(before);
  });

  it.each([
    { what: 'bad JSON in the payload', fixture: 'block-actions-bad-json.txt', signing: {}, status: 400 },
    { what: 'a stale timestamp', fixture: 'slash-command.txt', signing: { skewSec: -301 }, status: 401 },
    { what: 'a timestamp from the future', fixture: 'slash-command.txt', signing: { skewSec: 301 }, status: 401 },
    { what: 'the wrong signature', fixture: 'slash-command.txt', signing: { secret: 'not-the-secret' }, status: 401 },
  ])('$what: refused with $status, nothing run', async ({ fixture, signing, status }) => {
    const before = await footprint();
    const response = await send(fixture, {}, signing);
    expect(response.status).toBe(status);
    expect(response.body).toBe('');
    expect(await footprint()).toEqual(before);
  });

  it('a mention without its text: the person is told, nothing is run', async () => {
    const before = await footprint();
    expect((await send('app-mention-missing-text.json')).status).toBe(200);
    const whisper = await rig.slack.waitFor(
      () => rig.slack.ephemerals('C0GENERAL').find((e) => e.user === 'U0VIEWER' && e.text.includes('without `text`')),
      EVENT_WAIT_MS,
    );
    expect(whisper.text).toBe(
      '🚫 carbon-ops could not read this request: Slack sent it without `text`. Nothing was run; please try again.',
    );
    expect(await footprint()).toEqual({ ...before, slackCalls: before.slackCalls + 1 }); // the whisper, nothing else
  });
});

describe('a slash command and mentions', () => {
  it('/carbon health: acked at once, queued, then the report in the same message', async () => {
    const response = await send('slash-command.txt');
    expect(response).toEqual({ status: 200, body: '' });
    const report = await rig.slack.waitFor(
      () =>
        rig.slack
          .messages('C0GENERAL')
          .find((m) => m.thread_ts === undefined && m.text.startsWith('Platform health') && m.updates > 0),
      EVENT_WAIT_MS,
    );
    const posted = rig.slack.calls.find((c) => c.method === 'chat.postMessage' && c.payload['channel'] === 'C0GENERAL');
    expect(String(posted?.payload['text'])).toMatch(/^⏳ Queued: `health` for <@U0VIEWER>/);
    // The job that edited the message, completed (BullMQ marks it so just after the last edit); the
    // approvals sweep's scheduled jobs, which have no message, are on the same queue.
    const job = await until('the job completed', async () =>
      (await rig.queue.queue.getJobs(['completed'])).find((j) => j.data.reply?.ts === report.ts),
    );
    expect(job.data).toMatchObject({
      command: { name: 'health' },
      requester: { user: 'U0VIEWER', channel: 'C0GENERAL' },
    });
  });

  it('a mention outside a thread: answered in a thread under the mention', async () => {
    expect((await send('app-mention.json')).status).toBe(200);
    const report = await rig.slack.waitFor(
      () =>
        rig.slack
          .messages('C0GENERAL')
          .find((m) => m.thread_ts === '1761300000.000100' && m.text.startsWith('Platform health')),
      EVENT_WAIT_MS,
    );
    expect(report.user).toBe('U0CARBONBOT');
  });

  it('a mention in a thread: answered in that thread', async () => {
    expect((await send('app-mention-in-thread.json')).status).toBe(200);
    const report = await rig.slack.waitFor(
      () =>
        rig.slack
          .messages('C0GENERAL')
          .find((m) => m.thread_ts === '1761299940.000050' && m.text.startsWith('Platform health')),
      EVENT_WAIT_MS,
    );
    expect(JSON.stringify(report.blocks)).toContain('kafka');
  });
});

describe('the plan buttons', () => {
  it('an unknown button: acked, the clicker told, the request left as it was', async () => {
    const request = await pendingRestart('superset');
    const response = await send('block-actions-unknown-action.json', requestValues(request));
    expect(response.status).toBe(200);
    const whisper = await rig.whisper('U0APPROVER', /does not handle this button/);
    expect(whisper.text).toBe(
      '🚫 carbon-ops does not handle this button, so nothing was done. `/carbon help` lists what it can do.',
    );
    expect((await rig.store.restarts.get(request.id))?.state).toBe('pending');
    expect((await rig.audit({ requestId: request.id })).map((r) => r.outcome)).toEqual(['requested']);
    expect(await rig.queue.queue.getJob(`restart-rollout-${request.id}`)).toBeUndefined();

    // The same request, approved with the recorded Approve click: the rollout runs and says so in the thread.
    expect((await send('block-actions-approve.json', requestValues(request))).status).toBe(200);
    await rig.waitForRequest((r) => r.id === request.id && r.state === 'succeeded', EVENT_WAIT_MS);
    const result = await rig.slack.waitFor(
      () =>
        rig.slack
          .messages('C0INCIDENT')
          .find((m) => m.thread_ts === request.threadTs && /^✅ Restarted deployment\/superset /.test(m.text)),
      EVENT_WAIT_MS,
    );
    expect(result.text).toMatch(/pods updated and ready/);
    expect((await rig.audit({ requestId: request.id })).map((r) => r.outcome)).toEqual([
      'requested',
      'approved',
      'started',
      'succeeded',
    ]);
  });

  it('Deny: the request is denied in its thread and nothing runs', async () => {
    const request = await pendingRestart('portal');
    expect((await send('block-actions-deny.json', requestValues(request))).status).toBe(200);
    const denied = await rig.slack.waitFor(
      () =>
        rig.slack
          .messages('C0INCIDENT')
          .find((m) => m.thread_ts === request.threadTs && m.text.startsWith('🛑 Denied by <@U0APPROVER>')),
      EVENT_WAIT_MS,
    );
    expect(denied.text).toContain('Nothing was restarted');
    expect((await rig.store.restarts.get(request.id))?.state).toBe('rejected');
    expect(await rig.queue.queue.getJob(`restart-rollout-${request.id}`)).toBeUndefined();
  });
});
