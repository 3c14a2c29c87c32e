import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { buildBot } from '../../src/app/bot.js';
import { FAKE_WORKSPACE, sendEvent, signSlackRequest } from '../../src/devstack/slack/index.js';
import type { RestartRequest } from '../../src/features/restart/store.js';
import { recordingLogger, type LogLine } from '../support/log-lines.js';
import { RestartRig, SECRET } from '../support/restart-rig.js';
import { EVENT_WAIT_MS, until } from '../support/until.js';

/**
 * Every Slack request runs once: a replay of a signed request (the same bytes, the same signature) or
 * Slack's retry of it (re-signed, X-Slack-Retry-Num) is acked with 200 and dropped, inline answers
 * (help, audit, approve, deny) included, whichever replica of the bot receives it. And a request that
 * lacks a field carbon-ops needs is answered, never run. The bot is buildBot's, with a worker behind it.
 */
const bot = recordingLogger();
const rig = new RestartRig();
beforeAll(() => rig.start({ log: bot.log }), 60_000);
afterAll(() => rig.stop());

const FORM = 'application/x-www-form-urlencoded';
const unique = () => randomBytes(6).toString('hex');

/** A request as Slack signs it, kept so that it can be posted again byte for byte. */
function signed(body: string, contentType = FORM) {
  const headers = signSlackRequest(body, SECRET, undefined, contentType);
  return (url = rig.eventsUrl) => fetch(url, { method: 'POST', headers, body }).then(async (r) => r.status);
}

function slashCommand(text: string, user: string, channel: string, triggerId: string | undefined) {
  const fields: Record<string, string> = {
    command: '/carbon',
    text,
    user_id: user,
    channel_id: channel,
    team_id: FAKE_WORKSPACE.teamId,
    response_url: rig.slack.responseUrl(),
  };
  if (triggerId !== undefined) fields['trigger_id'] = triggerId;
  return new URLSearchParams(fields).toString();
}

/** A click as Slack posts it (form field `payload`), without the fields in `drop` (of the payload or its action). */
function clickBody(verb: 'approve' | 'deny', request: RestartRequest, user: string, drop: string[] = []) {
  const payload: Record<string, unknown> = rig.clickPayload(verb, request, user);
  for (const field of drop) {
    delete payload[field];
    delete (payload['actions'] as Record<string, unknown>[])[0]![field];
  }
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** Waits for the bot's debug line that it dropped the request with this id. */
const dropped = (logLines: LogLine[], id: string) =>
  until(`the bot to drop ${id}`, () =>
    logLines.find((l) => l.msg === 'Slack request seen before: acked, not run again' && l['id'] === id),
  );

/**
 * Sends `marker` as `user`'s slash command in `channel` and waits for its answer, matching `answer`: a later
 * request that goes the way the replay would have gone, so the replay's answer, had it run, would be in by then.
 */
async function afterMarker(marker: string, user: string, channel: 'C0GENERAL' | 'C0INCIDENT', answer: RegExp) {
  expect(await signed(slashCommand(marker, user, channel, `marker.${unique()}`))()).toBe(200);
  await rig.whisper(user, answer, channel);
}

/** How many whispers to `user` in `channel` match `pattern`. */
const answers = (user: string, channel: 'C0GENERAL' | 'C0INCIDENT', pattern: RegExp) =>
  rig.whispers(user, channel).filter((w) => pattern.test(w.text)).length;

const pendingRestart = (service: string) => rig.pendingRestart(service, 'replay test');

describe('a request runs once', () => {
  it('a replayed /carbon audit is acked and answered once', async () => {
    const triggerId = `audit.${unique()}`;
    const post = signed(slashCommand('audit --limit 3', 'U0VIEWER', 'C0GENERAL', triggerId));
    expect(await post()).toBe(200);
    await rig.whisper('U0VIEWER', /^Audit trail/, 'C0GENERAL');
    expect(await post()).toBe(200); // the same bytes, the same signature, within the signature's 5 minutes
    const line = await dropped(bot.lines, `slash:${triggerId}`);
    expect(line.level).toBe(20); // debug
    await afterMarker('audit --limit 3', 'U0ADMIN', 'C0GENERAL', /^Audit trail/);
    expect(answers('U0VIEWER', 'C0GENERAL', /^Audit trail/)).toBe(1);
  });

  it("Slack's retries of a mention (the same event_id, re-signed) answer once", async () => {
    const eventId = `Ev${unique().toUpperCase()}`;
    const ts = `${Math.floor(Date.now() / 1000)}.000200`;
    const mention = {
      type: 'app_mention',
      user: 'U0OPERATOR',
      text: `<@${FAKE_WORKSPACE.botUserId}> audit --limit 2`,
      ts,
      channel: 'C0INCIDENT',
      event_ts: ts,
    };
    expect((await sendEvent(rig.eventsUrl, SECRET, mention, { eventId })).status).toBe(200);
    await rig.whisper('U0OPERATOR', /^Audit trail/);
    for (const retryNum of [1, 2])
      expect((await sendEvent(rig.eventsUrl, SECRET, mention, { eventId, retryNum })).status).toBe(200);
    const line = await until('both retries dropped', () => {
      const lines = bot.lines.filter(
        (l) => l['id'] === `event:${eventId}` && l.msg.startsWith('Slack request seen before'),
      );
      return lines.length === 2 ? lines : undefined;
    });
    expect(line.map((l) => [l['retryNum'], l['retryReason']])).toEqual([
      [1, 'http_timeout'],
      [2, 'http_timeout'],
    ]);
    await afterMarker('audit --limit 2', 'U0ADMIN', 'C0INCIDENT', /^Audit trail/);
    expect(answers('U0OPERATOR', 'C0INCIDENT', /^Audit trail/)).toBe(1);
  });

  it.each([
    { verb: 'approve' as const, service: 'superset', outcomes: ['requested', 'approved', 'started', 'succeeded'] },
    { verb: 'deny' as const, service: 'portal', outcomes: ['requested', 'rejected'] },
  ])('a replayed $verb click decides once; the replay is not refused', async ({ verb, service, outcomes }) => {
    const request = await pendingRestart(service);
    const body = clickBody(verb, request, 'U0APPROVER');
    const post = signed(body);
    expect(await post()).toBe(200);
    const final = verb === 'approve' ? 'succeeded' : 'rejected';
    await rig.waitForRequest((r) => r.id === request.id && r.state === final, EVENT_WAIT_MS);
    expect(await post()).toBe(200);
    const action = JSON.parse(new URLSearchParams(body).get('payload')!).actions[0];
    await dropped(bot.lines, `action:U0APPROVER:${action.action_id}:${action.action_ts}`);
    // The marker is the same decision typed by another approver: refused, as the replay would have been.
    const refusal = new RegExp(`Request ${request.id}`);
    await afterMarker(`${verb} ${request.id}`, 'U0ADMIN', 'C0INCIDENT', refusal);
    expect(answers('U0APPROVER', 'C0INCIDENT', refusal)).toBe(0);
    expect((await rig.audit({ requestId: request.id })).map((r) => r.outcome)).toEqual([...outcomes, 'refused']);
  });

  it('a request replayed to another replica of the bot is dropped there too (the ids are in Redis)', async () => {
    const replicaLog = recordingLogger();
    const replica = await buildBot(
      { config: rig.config, log: replicaLog.log, policy: rig.policy, catalogue: rig.catalogue, store: rig.store },
      { statusSchedule: false },
    );
    try {
      const triggerId = `replica.${unique()}`;
      const post = signed(slashCommand('audit --limit 1', 'U0APPROVER', 'C0GENERAL', triggerId));
      expect(await post()).toBe(200);
      await rig.whisper('U0APPROVER', /^Audit trail/, 'C0GENERAL');
      expect(await post(replica.eventsUrl)).toBe(200);
      await dropped(replicaLog.lines, `slash:${triggerId}`);
      await afterMarker('audit --limit 1', 'U0OPERATOR', 'C0GENERAL', /^Audit trail/);
      expect(answers('U0APPROVER', 'C0GENERAL', /^Audit trail/)).toBe(1);
    } finally {
      await replica.close();
    }
  });
});

describe('a request without the fields carbon-ops needs is answered, never run', () => {
  /** What a request could have started: jobs and audit rows. */
  async function footprint() {
    const counts = await rig.queue.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
    return { jobs: Object.values(counts).reduce((a, b) => a + b, 0), auditRows: (await rig.audit()).length };
  }
  /** A request a click could not decide: pending, only its `requested` row, no follow-up queued. */
  async function untouched(request: RestartRequest) {
    expect((await rig.store.restarts.get(request.id))?.state).toBe('pending');
    expect((await rig.audit({ requestId: request.id })).map((r) => r.outcome)).toEqual(['requested']);
    expect(await rig.queue.queue.getJob(`restart-rollout-${request.id}`)).toBeUndefined();
  }
  const refusal = (field: string) =>
    `🚫 carbon-ops could not read this request: Slack sent it without \`${field}\`. Nothing was run; please try again.`;

  it('a slash command without its trigger_id: refused in the ack, naming it', async () => {
    const before = await footprint();
    const body = slashCommand('health', 'U0VIEWER', 'C0GENERAL', undefined);
    const response = await fetch(rig.eventsUrl, { method: 'POST', headers: signSlackRequest(body, SECRET), body });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(refusal('trigger_id'));
    expect(await footprint()).toEqual(before);
  });

  const mentionWithout = (field: string) => {
    const ts = `${Math.floor(Date.now() / 1000)}.000300`;
    const event: Record<string, unknown> = {
      type: 'app_mention',
      user: 'U0VIEWER',
      text: `<@${FAKE_WORKSPACE.botUserId}> health`,
      ts,
      channel: 'C0GENERAL',
    };
    const envelope: Record<string, unknown> = {
      type: 'event_callback',
      team_id: FAKE_WORKSPACE.teamId,
      api_app_id: FAKE_WORKSPACE.appId,
      event,
      event_id: `Ev${unique()}`,
    };
    delete event[field];
    delete envelope[field];
    return JSON.stringify(envelope);
  };

  it.each(['event_id', 'ts'])('a mention without its %s: the person is told, nothing is run', async (field) => {
    const before = await footprint();
    expect(await signed(mentionWithout(field), 'application/json')()).toBe(200);
    const whisper = await rig.whisper('U0VIEWER', new RegExp(`without \`${field}\``), 'C0GENERAL');
    expect(whisper.text).toBe(refusal(field));
    expect(await footprint()).toEqual(before);
  });

  it('a mention without its user: nobody to tell, so it is logged, and nothing is run', async () => {
    const before = await footprint();
    expect(await signed(mentionWithout('user'), 'application/json')()).toBe(200);
    const line = await until('the refusal logged', () =>
      bot.lines.find((l) => l.msg === 'mention refused: fields missing' && (l['missing'] as string[]).includes('user')),
    );
    expect(line.level).toBe(40); // warn
    expect(await footprint()).toEqual(before);
  });

  it('a click without its action_ts: the clicker is told, the request left as it was', async () => {
    const request = await pendingRestart('lakefs');
    expect(await signed(clickBody('approve', request, 'U0APPROVER', ['action_ts']))()).toBe(200);
    const whisper = await rig.whisper('U0APPROVER', /without `action_ts`/);
    expect(whisper.text).toBe(refusal('action_ts'));
    await untouched(request);
  });

  it('a click without a channel: nobody to tell it in, so it is logged, and the request left as it was', async () => {
    const request = await pendingRestart('grafana');
    expect(await signed(clickBody('approve', request, 'U0APPROVER', ['channel', 'container']))()).toBe(200);
    const line = await until('the refusal logged', () =>
      bot.lines.find(
        (l) => l.msg === 'click refused: fields missing' && (l['missing'] as string[]).includes('channel'),
      ),
    );
    expect(line).toMatchObject({ level: 40, missing: ['channel'], user: 'U0APPROVER' });
    await untouched(request);
  });
});
