import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { FAKE_WORKSPACE, signSlackRequest } from '../../src/devstack/slack/index.js';
import { APPROVE_ACTION, DENY_ACTION } from '../../src/approvals/render.js';
import { recordingLogger } from '../support/log-lines.js';
import { RestartRig, SECRET } from '../support/restart-rig.js';
import { REQUEST_TIMEOUT_MS, until } from '../support/until.js';

/**
 * Properties of the events URL of the bot buildBot makes (HTTP mode, the Slack stand-in behind it), for any
 * request at all: unsigned or badly signed ones of any body and headers, and correctly signed ones whose
 * body is a slash command, a click or an event with fields missing, of the wrong type, empty, hostile, huge
 * or in any script. Whatever comes, the answer is never a 5xx, the bot logs no error (Bolt logs a listener's
 * throw as one: the person got nothing), nothing is left unhandled in the process, and the bot keeps
 * answering: /healthz, and a signed `help` answered to the person who typed it.
 */
const { log, lines } = recordingLogger('warn');
const rig = new RestartRig();
const escaped: unknown[] = [];
const onEscape = (error: unknown) => void escaped.push(error);

beforeAll(async () => {
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  await rig.start({ worker: false, log });
}, 60_000);
afterAll(async () => {
  await rig.stop();
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
});

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
/** pino's error level: a line at or above it is an error the bot logged. */
const ERROR = 50;

type Sent = { status: number; text: string };

async function post(body: string | Uint8Array, headers: Record<string, string>): Promise<Sent> {
  const response = await fetch(rig.eventsUrl, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: response.status, text: await response.text() };
}

/** What went wrong in the bot since `from` (log lines at error level), and anything that escaped the process. */
function trouble(from: number): unknown[] {
  return [...lines.slice(from).filter((line) => line.level >= ERROR), ...escaped];
}

// --- Generators -------------------------------------------------------------------------------------------

/** Header values fetch can send (visible ASCII and spaces). */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) });

/** Text a person, a client or an attacker could put in a field. */
const hostileText = fc.oneof(
  fc.constantFrom(
    'help',
    'restart trino',
    'restart trino -n data-platform',
    'approve 00000000-0000-0000-0000-000000000000',
    'deny x',
    'audit',
    'audit --limit 999999999999',
    'health --namespace a --namespace b',
    '<@U0BOT> <!channel> <#C0INCIDENT|inc> *bold* `code`',
    '\u0000\u0001\u001b[31m',
    '%00%ff%',
    '${process.exit()}',
    '__proto__',
    '{"a":1}',
    ' ',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.nat({ max: 20_000 }).map((n) => 'x'.repeat(n)),
);

/** A field of a form: absent, empty, hostile, or `valid`. */
const formField = (valid: fc.Arbitrary<string>) =>
  fc.option(fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: fc.constant('') }, hostileText), {
    nil: undefined,
  });

/** Any JSON value, of any type, for a field that should hold a particular one. */
const oddValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  hostileText,
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);
/** A JSON field: absent, of the right kind (`valid`), or odd. */
const jsonField = (valid: fc.Arbitrary<unknown>) =>
  fc.option(fc.oneof({ weight: 2, arbitrary: valid }, oddValue), { nil: undefined });

const users = fc.constantFrom('U0VIEWER', 'U0OPERATOR', 'U0APPROVER', 'U0NOBODY', 'W0SOMEONE');
const channels = fc.constantFrom('C0INCIDENT', 'C0GENERAL', 'C0UNKNOWN', 'D0DIRECT', 'G0PRIVATE');
/** Workspace ids: the real one, and names an object has (Bolt keys its clients by the id). */
const teamIds = fc.constantFrom(FAKE_WORKSPACE.teamId, 'T0OTHER', 'valueOf', '__proto__', 'constructor');
const ids = fc.stringMatching(/^[0-9]{6,10}\.[0-9a-f]{4,12}$/);

const slashCommand = fc
  .record({
    command: fc.option(fc.oneof({ weight: 8, arbitrary: fc.constant('/carbon') }, fc.constantFrom('', '/other')), {
      nil: undefined,
    }),
    text: formField(fc.constantFrom('help', 'audit', 'health', 'status', 'restart trino')),
    user_id: formField(users),
    user_name: formField(fc.constant('someone')),
    channel_id: formField(channels),
    channel_name: formField(fc.constantFrom('inc-demo', 'general')),
    trigger_id: formField(ids),
    team_id: formField(teamIds),
    response_url: formField(fc.constantFrom('https://hooks.slack.test/x', 'not a url')),
    extra: fc.option(fc.tuple(fc.string({ maxLength: 10 }), hostileText), { nil: undefined }),
  })
  .map(({ extra, ...fields }) => {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) form.append(key, value);
    if (extra !== undefined && !(extra[0] in fields)) form.append(...extra);
    return { body: form.toString(), type: FORM };
  });

const action = fc.record(
  {
    type: jsonField(fc.constantFrom('button', 'static_select')),
    action_id: jsonField(fc.constantFrom(APPROVE_ACTION, DENY_ACTION, 'other-action', '')),
    block_id: jsonField(fc.string({ maxLength: 20 })),
    value: jsonField(fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }))),
    action_ts: jsonField(ids),
  },
  { requiredKeys: [] },
);

const blockActions = fc
  .record(
    {
      type: fc.oneof({ weight: 8, arbitrary: fc.constant('block_actions') }, oddValue),
      user: jsonField(fc.record({ id: jsonField(users) }, { requiredKeys: [] })),
      team: jsonField(fc.record({ id: jsonField(teamIds) }, { requiredKeys: [] })),
      enterprise: fc.option(fc.record({ id: jsonField(teamIds) }, { requiredKeys: [] }), { nil: undefined }),
      channel: jsonField(fc.record({ id: jsonField(channels), name: jsonField(fc.string()) }, { requiredKeys: [] })),
      container: jsonField(
        fc.record({ type: fc.constant('message'), message_ts: jsonField(ids), channel_id: jsonField(channels) }),
      ),
      trigger_id: jsonField(ids),
      response_url: jsonField(fc.constant('https://hooks.slack.test/x')),
      actions: jsonField(fc.array(fc.oneof({ weight: 4, arbitrary: action }, oddValue), { maxLength: 3 })),
    },
    { requiredKeys: ['type'] },
  )
  .map((payload) => ({ body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), type: FORM }));

const eventCallback = fc
  .record(
    {
      type: fc.oneof({ weight: 8, arbitrary: fc.constant('event_callback') }, fc.constant('url_verification')),
      token: jsonField(fc.string({ maxLength: 10 })),
      team_id: jsonField(teamIds),
      api_app_id: jsonField(fc.constant(FAKE_WORKSPACE.appId)),
      event_id: jsonField(ids.map((id) => `Ev${id}`)),
      event_time: jsonField(fc.integer()),
      challenge: jsonField(fc.string({ maxLength: 10 })),
      event: jsonField(
        fc.record(
          {
            type: jsonField(fc.constantFrom('app_mention', 'message', 'reaction_added')),
            user: jsonField(users),
            text: jsonField(hostileText.map((t) => `<@${FAKE_WORKSPACE.botUserId}> ${t}`)),
            ts: jsonField(ids),
            thread_ts: jsonField(ids),
            channel: jsonField(channels),
            bot_id: fc.option(oddValue, { nil: undefined }),
            event_ts: jsonField(ids),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: ['type'] },
  )
  .map((callback) => ({ body: JSON.stringify(callback), type: JSON_TYPE }));

/** Content types Slack sends, its variants, and ones it does not. */
const contentType = fc.constantFrom(
  FORM,
  JSON_TYPE,
  'application/json; charset=utf-8',
  'APPLICATION/X-WWW-FORM-URLENCODED',
  'text/plain',
  'multipart/form-data; boundary=x',
  '',
);

/** A signed request: one of Slack's kinds with odd fields, sometimes under another content type. */
const signedRequest = fc.tuple(
  fc.oneof(slashCommand, blockActions, eventCallback),
  fc.option(contentType, { freq: 4, nil: undefined }),
);

/** Any body: text, bytes, a form, JSON. */
const anyBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }),
  slashCommand.map((r) => r.body),
  blockActions.map((r) => r.body),
  eventCallback.map((r) => r.body),
);

const nowSec = () => Math.floor(Date.now() / 1000);

/** Headers that do not carry a valid signature of the body: missing, malformed, stale, of another body or key. */
const badSignature: fc.Arbitrary<BadSignature> = fc.oneof<fc.Arbitrary<BadSignature>[]>(
  fc.constant<Record<string, string>>({}),
  fc.record({ 'X-Slack-Signature': headerText }),
  fc.record({ 'X-Slack-Signature': headerText, 'X-Slack-Request-Timestamp': headerText }),
  fc
    .tuple(fc.stringMatching(/^[0-9a-f]{64}$/), fc.integer({ min: -100_000, max: 100_000 }))
    .map(([hex, skew]) => ({ 'X-Slack-Signature': `v0=${hex}`, 'X-Slack-Request-Timestamp': String(nowSec() + skew) })),
  fc.constant('other-secret').map((secret) => ({ secret })),
  fc.constant('stale').map(() => ({ skewSec: 3_600 })),
  fc.constant('another body').map(() => ({ otherBody: true as const })),
);

type BadSignature = Record<string, string> | { secret: string } | { skewSec: number } | { otherBody: true };

/** The headers of `badSignature`'s case for `body`. */
function badHeaders(body: string | Uint8Array, bad: BadSignature, type: string): Record<string, string> {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString();
  if ('secret' in bad) return signSlackRequest(text, bad.secret, nowSec(), type);
  if ('skewSec' in bad) return signSlackRequest(text, SECRET, nowSec() - Number(bad.skewSec), type);
  if ('otherBody' in bad) return signSlackRequest(`${text}x`, SECRET, nowSec(), type);
  return type === '' ? { ...bad } : { 'Content-Type': type, ...bad };
}

/** Signed as Slack signs, over the exact bytes sent. */
function signedHeaders(body: string, type: string): Record<string, string> {
  const timestamp = nowSec();
  const digest = createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex');
  const headers: Record<string, string> = {
    'X-Slack-Request-Timestamp': String(timestamp),
    'X-Slack-Signature': `v0=${digest}`,
  };
  if (type !== '') headers['Content-Type'] = type;
  return headers;
}

// --- Properties -------------------------------------------------------------------------------------------

describe('the signed HTTP endpoint under random requests', () => {
  it('refuses every request that is not signed with the secret, never with a 5xx, and runs nothing', async () => {
    const callsBefore = rig.slack.calls.length;
    await fc.assert(
      fc.asyncProperty(anyBody, badSignature, contentType, async (body, bad, type) => {
        const before = lines.length;
        const { status } = await post(body, badHeaders(body, bad, type));
        // Only Slack's TLS check is answered without a signature, and it runs nothing.
        const sslCheck = typeof body === 'string' && new URLSearchParams(body).get('ssl_check') === '1';
        expect(status).toBeLessThan(500);
        if (!sslCheck) expect(status).toBeGreaterThanOrEqual(400);
        expect(trouble(before)).toEqual([]);
      }),
      { numRuns: 150 },
    );
    expect(rig.slack.calls.length).toBe(callsBefore);
  });

  it('answers every signed request of any shape without a 5xx, an error logged, or anything unhandled', async () => {
    const from = lines.length;
    await fc.assert(
      fc.asyncProperty(signedRequest, async ([request, otherType]) => {
        const before = lines.length;
        const type = otherType ?? request.type;
        const { status } = await post(request.body, signedHeaders(request.body, type));
        expect(status).toBeLessThan(500);
        expect(trouble(before)).toEqual([]);
      }),
      { numRuns: 250 },
    );
    // What the listeners started after their ack (a whisper, a lookup) has its time to fail too.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(trouble(from)).toEqual([]);
  });

  it('stays up: /healthz answers and a signed help is answered to the person who typed it', async () => {
    expect((await fetch(new URL('/healthz', rig.eventsUrl))).status).toBe(200);
    const delivery = await rig.slash('help', 'U0VIEWER', 'C0GENERAL');
    expect(delivery.status).toBe(200);
    const answer = await rig.whisper('U0VIEWER', /carbon-ops commands/, 'C0GENERAL');
    expect(answer.text).toMatch(/^\*carbon-ops commands\*\n/);
    expect(escaped).toEqual([]);
  });
});

describe('what the properties found, as plain cases', () => {
  const signedPost = (body: string, type = FORM) => post(body, signedHeaders(body, type));
  let n = 0;
  const slash = (fields: Record<string, string>) =>
    new URLSearchParams({
      command: '/carbon',
      text: 'help',
      user_id: 'U0VIEWER',
      channel_id: 'C0GENERAL',
      trigger_id: `regression.${n++}.${Date.now()}`,
      ...fields,
    }).toString();

  it.each(['valueOf', '__proto__', 'constructor', 'toString'])(
    'a workspace id Bolt would look up as an object key (%s) is refused with 400, not a 500',
    async (id) => {
      const before = lines.length;
      const click = {
        type: 'block_actions',
        user: { id: 'U0VIEWER' },
        actions: [{ action_id: 'x', action_ts: '1.2' }],
      };
      const event = { type: 'event_callback', event_id: `Ev.${id}`, event: { type: 'app_mention' } };
      for (const [body, type] of [
        [slash({ team_id: id }), FORM],
        [slash({ enterprise_id: id }), FORM],
        [new URLSearchParams({ payload: JSON.stringify({ ...click, team: { id } }) }).toString(), FORM],
        [new URLSearchParams({ payload: JSON.stringify({ ...click, enterprise: { id } }) }).toString(), FORM],
        [JSON.stringify({ ...event, team_id: id }), JSON_TYPE],
        [JSON.stringify({ ...event, authorizations: [{ team_id: id }] }), JSON_TYPE],
      ] as const)
        expect((await signedPost(body, type)).status).toBe(400);
      expect(trouble(before)).toEqual([]);
    },
  );

  it.each(['/other', ''])('another slash command (%j) is answered at once in the ack, nothing run', async (command) => {
    const before = lines.length;
    const callsBefore = rig.slack.calls.length;
    const { status, text } = await signedPost(slash({ command }));
    expect(status).toBe(200);
    expect(text).toMatch(/carbon-ops answers `\/carbon` only/);
    expect(rig.slack.calls.length).toBe(callsBefore);
    expect(trouble(before)).toEqual([]);
  });

  it('a command from a channel Slack will not let the bot answer in is logged as a warning, not an error', async () => {
    const before = lines.length;
    expect((await signedPost(slash({ channel_id: 'C0UNKNOWN' }))).status).toBe(200);
    const warning = await until('the warning', () =>
      lines.slice(before).find((line) => line.msg === 'could not answer the person'),
    );
    expect(warning).toMatchObject({ level: 40, user: 'U0VIEWER', channel: 'C0UNKNOWN' });
    expect(trouble(before)).toEqual([]);
  });

  it('a queued command there is not queued (its result would have nowhere to go), and not blamed on Redis', async () => {
    const before = lines.length;
    const jobs = await rig.queue.queue.getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed');
    expect((await signedPost(slash({ text: 'health', channel_id: 'C0UNKNOWN' }))).status).toBe(200);
    await until('the warning', () => lines.slice(before).find((line) => line.msg === 'could not post: nothing queued'));
    // The refusal could not be whispered there either: it is logged, as a warning too.
    await until('the refusal', () => lines.slice(before).find((line) => line.msg === 'could not answer the person'));
    expect(await rig.queue.queue.getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed')).toBe(jobs);
    expect(trouble(before)).toEqual([]);
  });
});
