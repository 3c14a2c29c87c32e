// The Slack stand-in driven by the real clients the bot uses: @slack/web-api's WebClient and a Bolt App.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { App } from '@slack/bolt';
import { ErrorCode, WebClient, type WebClientOptions } from '@slack/web-api';
import { Buffer } from 'node:buffer';
import type { AddressInfo } from 'node:net';
import {
  FAKE_WORKSPACE,
  checkMessage,
  sendEvent,
  sendInteraction,
  sendSlashCommand,
  startSlackStandin,
  type SlackStandin,
} from '../../src/devstack/slack/index.js';
import { silentSlackLogger } from '../support/slack-logger.js';
import { EVENT_WAIT_MS } from '../support/until.js';

// A 1x1 transparent PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

/** The rejection a WebClient call ended with, for asserting on Slack's answer. */
async function slackError(
  call: Promise<unknown>,
): Promise<{ code: string; data?: Record<string, unknown>; retryAfter?: number }> {
  try {
    await call;
  } catch (err) {
    return err as { code: string; data?: Record<string, unknown>; retryAfter?: number };
  }
  throw new Error('expected the Slack call to fail');
}

describe('Slack Web API stand-in with the real WebClient', () => {
  let standin: SlackStandin;
  const client = (options: WebClientOptions = {}, token = 'xoxb-test') =>
    new WebClient(token, {
      slackApiUrl: standin.url,
      retryConfig: { retries: 0 },
      logger: silentSlackLogger,
      ...options,
    });

  beforeAll(async () => {
    standin = await startSlackStandin({
      channels: { C0OPS: { name: 'platform-ops' }, C0INC: { name: 'incidents' } },
      users: { U0ALICE: { name: 'alice', real_name: 'Alice Operator' } },
    });
  });
  afterEach(() => standin.reset());
  afterAll(() => standin.close());

  it('serves a base URL WebClient and Bolt accept and answers auth.test as the fake workspace', async () => {
    expect(standin.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const auth = await client().auth.test();
    expect(auth).toMatchObject({
      ok: true,
      team_id: FAKE_WORKSPACE.teamId,
      user_id: FAKE_WORKSPACE.botUserId,
      bot_id: FAKE_WORKSPACE.botId,
    });
  });

  it('keeps each message as it stands after chat.update, with unique increasing timestamps', async () => {
    const web = client();
    const queued = await web.chat.postMessage({
      channel: 'C0OPS',
      text: 'queued',
      blocks: [section('Health report queued')],
    });
    const other = await web.chat.postMessage({ channel: '#platform-ops', text: 'second' });
    expect(queued).toMatchObject({
      ok: true,
      channel: 'C0OPS',
      message: { text: 'queued', bot_id: FAKE_WORKSPACE.botId },
    });
    expect(other.channel).toBe('C0OPS');
    expect(queued.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(other.ts! > queued.ts!).toBe(true);

    const updated = await web.chat.update({
      channel: 'C0OPS',
      ts: queued.ts!,
      text: 'done',
      blocks: [section('Platform health 76.6%')],
    });
    expect(updated).toMatchObject({ ok: true, channel: 'C0OPS', ts: queued.ts, text: 'done' });

    const [first, second] = standin.messages('C0OPS');
    expect(first).toMatchObject({
      ts: queued.ts,
      text: 'done',
      blocks: [section('Platform health 76.6%')],
      updates: 1,
    });
    expect(first?.edited?.user).toBe(FAKE_WORKSPACE.botUserId);
    expect(second).toMatchObject({ ts: other.ts, text: 'second', updates: 0 });
    expect(standin.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.postMessage', 'chat.update']);
    // Recorded payloads hold decoded blocks and never the token.
    expect(standin.calls[0]?.payload).toMatchObject({ channel: 'C0OPS', blocks: [section('Health report queued')] });
    expect(standin.calls[0]?.payload).not.toHaveProperty('token');
  });

  it("answers Slack's argument errors", async () => {
    const web = client();
    const { ts } = await web.chat.postMessage({ channel: 'C0OPS', text: 'x' });
    const errorOf = async (call: Promise<unknown>) => (await slackError(call)).data?.['error'];
    expect(await errorOf(web.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).toBe('channel_not_found');
    expect(await errorOf(web.chat.postMessage({ channel: 'C0OPS', text: '' }))).toBe('no_text');
    expect(await errorOf(web.chat.postMessage({ channel: 'C0OPS', text: 'x'.repeat(40_001) }))).toBe('msg_too_long');
    expect(await errorOf(web.chat.update({ channel: 'C0OPS', ts: '1.000001', text: 'x' }))).toBe('message_not_found');
    expect(await errorOf(web.apiCall('chat.postMessage', { channel: 'C0OPS', blocks: '[not json' }))).toBe(
      'invalid_blocks_format',
    );
    expect(await errorOf(web.apiCall('no.suchMethod'))).toBe('unknown_method');
    expect(
      await errorOf(
        web.reactions
          .add({ channel: 'C0OPS', timestamp: ts!, name: 'eyes' })
          .then(() => web.reactions.add({ channel: 'C0OPS', timestamp: ts!, name: 'eyes' })),
      ),
    ).toBe('already_reacted');
    expect(standin.messages('C0OPS')[0]?.reactions).toEqual([
      { name: 'eyes', users: [FAKE_WORKSPACE.botUserId], count: 1 },
    ]);
    expect(standin.calls.filter((c) => c.error).map((c) => c.error)).toEqual([
      'channel_not_found',
      'no_text',
      'msg_too_long',
      'message_not_found',
      'invalid_blocks_format',
      'unknown_method',
      'already_reacted',
    ]);
  });

  it('rejects 51 blocks and a 3,001-character section with invalid_blocks, pointing at the culprit', async () => {
    const web = client();
    const tooMany = await slackError(
      web.chat.postMessage({
        channel: 'C0OPS',
        text: 'x',
        blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })),
      }),
    );
    expect(tooMany.code).toBe(ErrorCode.PlatformError);
    expect(tooMany.data).toMatchObject({
      ok: false,
      error: 'invalid_blocks',
      response_metadata: { messages: ['[ERROR] no more than 50 items allowed [json-pointer:/blocks]'] },
    });

    const tooLong = await slackError(
      web.chat.postMessage({ channel: 'C0OPS', text: 'x', blocks: [section('y'.repeat(3_001))] }),
    );
    expect(tooLong.data).toMatchObject({
      error: 'invalid_blocks',
      response_metadata: { messages: ['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]'] },
    });
    // The same check on a chat.update leaves the message untouched.
    const { ts } = await web.chat.postMessage({
      channel: 'C0OPS',
      text: 'kept',
      blocks: [section('3000 is fine: ' + 'z'.repeat(2_986))],
    });
    expect(
      (await slackError(web.chat.update({ channel: 'C0OPS', ts: ts!, blocks: [section('y'.repeat(3_001))] }))).data?.[
        'error'
      ],
    ).toBe('invalid_blocks');
    expect(standin.messages('C0OPS')).toEqual([expect.objectContaining({ ts, text: 'kept', updates: 0 })]);
  });

  it('keeps message metadata and returns it from conversations.history and .replies only when asked', async () => {
    const web = client();
    const metadata = { event_type: 'carbon_ops_post', event_payload: { key: 'k-1' } };
    const root = await web.chat.postMessage({ channel: 'C0INC', text: 'root', metadata });
    const before = Number(root.ts) - 1;
    const reply = await web.chat.postMessage({
      channel: 'C0INC',
      text: 'reply',
      thread_ts: root.ts!,
      metadata: { event_type: 'carbon_ops_post', event_payload: { key: 'k-2' } },
    });
    await web.chat.postMessage({ channel: 'C0INC', text: 'later' });

    // History: top-level messages only, newest first; metadata only with include_all_metadata.
    const plain = await web.conversations.history({ channel: 'C0INC' });
    expect(plain.messages!.map((m) => m.text)).toEqual(['later', 'root']);
    expect(plain.messages!.some((m) => m.metadata !== undefined)).toBe(false);
    const full = await web.conversations.history({ channel: 'C0INC', include_all_metadata: true });
    expect(full.messages!.find((m) => m.ts === root.ts)!.metadata).toEqual(metadata);
    // `oldest` is exclusive unless `inclusive`; pages follow next_cursor.
    const after = await web.conversations.history({ channel: 'C0INC', oldest: root.ts! });
    expect(after.messages!.map((m) => m.text)).toEqual(['later']);
    const first = await web.conversations.history({ channel: 'C0INC', oldest: String(before), limit: 1 });
    expect(first).toMatchObject({ has_more: true, messages: [{ text: 'later' }] });
    const next = await web.conversations.history({
      channel: 'C0INC',
      oldest: String(before),
      limit: 1,
      cursor: first.response_metadata!.next_cursor!,
    });
    expect(next).toMatchObject({ has_more: false, messages: [{ text: 'root' }] });

    // Replies: the parent, then the thread; reached from a reply's ts too.
    const thread = await web.conversations.replies({ channel: 'C0INC', ts: reply.ts!, include_all_metadata: true });
    expect(thread.messages!.map((m) => [m.text, (m.metadata?.event_payload as { key?: string })?.key])).toEqual([
      ['root', 'k-1'],
      ['reply', 'k-2'],
    ]);

    // What Slack refuses: metadata that is no JSON object, a bad timestamp, a thread or channel that is not there.
    expect(
      (await slackError(web.apiCall('chat.postMessage', { channel: 'C0INC', text: 'x', metadata: '{' }))).data,
    ).toMatchObject({ error: 'invalid_metadata_format' });
    expect(
      (
        await slackError(
          web.apiCall('chat.postMessage', { channel: 'C0INC', text: 'x', metadata: { event_type: 'a' } }),
        )
      ).data,
    ).toMatchObject({ error: 'invalid_metadata_format' });
    expect((await slackError(web.conversations.history({ channel: 'C0INC', oldest: 'yesterday' }))).data).toMatchObject(
      { error: 'invalid_ts_oldest' },
    );
    expect((await slackError(web.conversations.replies({ channel: 'C0INC', ts: '1.000001' }))).data).toMatchObject({
      error: 'thread_not_found',
    });
    expect((await slackError(web.conversations.history({ channel: 'C0NONE' }))).data).toMatchObject({
      error: 'channel_not_found',
    });
    // An event_type Slack does not allow (a period): posted, with a warning, without the metadata.
    const dropped = await web.chat.postMessage({
      channel: 'C0INC',
      text: 'dropped',
      metadata: { event_type: 'carbon.post', event_payload: { key: 'k-3' } },
    });
    expect((dropped as { warning?: string }).warning).toBe('invalid_metadata_schema');
    const latest = await web.conversations.history({ channel: 'C0INC', include_all_metadata: true, limit: 1 });
    expect(latest.messages![0]).toMatchObject({ text: 'dropped' });
    expect(latest.messages![0]!.metadata).toBeUndefined();
  });

  it('refuses metadata over its limit with metadata_too_large, posting and editing nothing', async () => {
    const web = client();
    const big = { event_type: 'carbon_ops_post', event_payload: { key: 'k'.repeat(9 * 1024) } };
    const refusal = await slackError(web.chat.postMessage({ channel: 'C0INC', text: 'too much', metadata: big }));
    expect(refusal.data).toMatchObject({ ok: false, error: 'metadata_too_large' });
    expect(standin.messages('C0INC')).toEqual([]);

    const posted = await web.chat.postMessage({
      channel: 'C0INC',
      text: 'kept',
      metadata: { ...big, event_payload: {} },
    });
    const edit = await slackError(web.chat.update({ channel: 'C0INC', ts: posted.ts!, text: 'edited', metadata: big }));
    expect(edit.data).toMatchObject({ error: 'metadata_too_large' });
    expect(standin.messages('C0INC')).toEqual([expect.objectContaining({ text: 'kept', updates: 0 })]);
  });

  it('answers as Slack does in channels the bot is not in: not_in_channel to read a public one, a private one unseen', async () => {
    const outside = await startSlackStandin({
      channels: {
        C0PUBLIC: { name: 'status', botMember: false },
        G0PRIVATE: { name: 'secret-incidents', private: true, botMember: false },
      },
    });
    try {
      const web = new WebClient('xoxb-test', {
        slackApiUrl: outside.url,
        retryConfig: { retries: 0 },
        logger: silentSlackLogger,
      });
      // A public channel: posted in (chat:write.public), shown as not joined, its history refused.
      const posted = await web.chat.postMessage({ channel: 'C0PUBLIC', text: 'daily status' });
      expect((await web.conversations.info({ channel: 'C0PUBLIC' })).channel).toMatchObject({ is_member: false });
      expect((await slackError(web.conversations.history({ channel: 'C0PUBLIC' }))).data).toMatchObject({
        error: 'not_in_channel',
      });
      expect((await slackError(web.conversations.replies({ channel: 'C0PUBLIC', ts: posted.ts! }))).data).toMatchObject(
        { error: 'not_in_channel' },
      );
      // A private channel the bot is not in does not exist for it, by ID or by name.
      for (const call of [
        web.chat.postMessage({ channel: 'G0PRIVATE', text: 'x' }),
        web.chat.postMessage({ channel: '#secret-incidents', text: 'x' }),
        web.conversations.info({ channel: 'G0PRIVATE' }),
        web.conversations.history({ channel: 'G0PRIVATE' }),
        web.conversations.replies({ channel: 'G0PRIVATE', ts: posted.ts! }),
      ]) {
        expect((await slackError(call)).data).toMatchObject({ error: 'channel_not_found' });
      }
    } finally {
      await outside.close();
    }
  });

  it('checks the documented Block Kit limits in block-limits.ts for renderers to test against', () => {
    const problems = (blocks: unknown[]) => checkMessage({ text: 'fallback', blocks })?.messages ?? [];
    expect(checkMessage({ text: 'ok', blocks: Array.from({ length: 50 }, () => section('fine')) })).toBeUndefined();
    expect(problems([{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }])).toEqual([
      '[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]',
    ]);
    expect(problems([{ type: 'header', text: { type: 'mrkdwn', text: '*bold*' } }])).toEqual([
      '[ERROR] must be plain_text [json-pointer:/blocks/0/text/type]',
    ]);
    const button = (text: string) => ({
      type: 'button',
      text: { type: 'plain_text', text },
      action_id: `a-${text.length}`,
    });
    expect(problems([{ type: 'actions', elements: Array.from({ length: 26 }, () => button('Restart')) }])).toEqual([
      '[ERROR] no more than 25 items allowed [json-pointer:/blocks/0/elements]',
    ]);
    expect(problems([{ type: 'actions', elements: [button('b'.repeat(76))] }])).toEqual([
      '[ERROR] must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
    ]);
    expect(problems([{ type: 'table' }, { text: 'no type' }])).toEqual([
      '[ERROR] unsupported type: table [json-pointer:/blocks/0/type]',
      '[ERROR] missing required field: type [json-pointer:/blocks/1/type]',
    ]);
    expect(problems([section('')])).toEqual([
      '[ERROR] must be more than 0 characters [json-pointer:/blocks/0/text/text]',
    ]);
    expect(checkMessage({})).toEqual({ error: 'no_text', messages: [] });
  });

  it('answers ratelimited with Retry-After, which WebClient honours before retrying', async () => {
    standin.rateLimitNext('chat.postMessage', 1);
    const started = Date.now();
    const result = await client({ retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 } }).chat.postMessage({
      channel: 'C0OPS',
      text: 'after the wait',
    });
    expect(result.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(standin.calls.map((c) => [c.method, c.error])).toEqual([
      ['chat.postMessage', 'ratelimited'],
      ['chat.postMessage', undefined],
    ]);
    expect(standin.messages('C0OPS').map((m) => m.text)).toEqual(['after the wait']);
  });

  it('lets rejectRateLimitedCalls surface the rate limit, and injects any error once', async () => {
    standin.rateLimitNext('chat.update', 1);
    const web = client({ rejectRateLimitedCalls: true });
    const limited = await slackError(web.chat.update({ channel: 'C0OPS', ts: '1.000001', text: 'x' }));
    expect(limited).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 1 });

    standin.failNext('chat.postMessage', 'is_archived');
    expect((await slackError(web.chat.postMessage({ channel: 'C0OPS', text: 'x' }))).data?.['error']).toBe(
      'is_archived',
    );
    expect((await web.chat.postMessage({ channel: 'C0OPS', text: 'x' })).ok).toBe(true);
  });

  it('refuses a wrong token with invalid_auth and a missing one with not_authed', async () => {
    expect(
      (await slackError(client({}, 'xoxb-wrong').chat.postMessage({ channel: 'C0OPS', text: 'x' }))).data?.['error'],
    ).toBe('invalid_auth');
    const anonymous = new WebClient(undefined, {
      slackApiUrl: standin.url,
      retryConfig: { retries: 0 },
      logger: silentSlackLogger,
    });
    expect((await slackError(anonymous.auth.test())).data?.['error']).toBe('not_authed');
    expect(standin.messages('C0OPS')).toEqual([]);
  });

  it('answers users.info, conversations.info and chat.postEphemeral for configured users and channels', async () => {
    const web = client();
    expect(await web.users.info({ user: 'U0ALICE' })).toMatchObject({
      user: { id: 'U0ALICE', name: 'alice', real_name: 'Alice Operator' },
    });
    expect((await slackError(web.users.info({ user: 'U0MALLORY' }))).data?.['error']).toBe('user_not_found');
    expect(await web.conversations.info({ channel: 'C0INC' })).toMatchObject({
      channel: { id: 'C0INC', name: 'incidents', is_channel: true },
    });
    expect((await slackError(web.conversations.info({ channel: 'C0NOPE' }))).data?.['error']).toBe('channel_not_found');

    const eph = await web.chat.postEphemeral({
      channel: 'C0INC',
      user: 'U0ALICE',
      text: 'usage: /carbon health [--namespace NS]',
    });
    expect(eph.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(standin.ephemerals('C0INC')).toEqual([expect.objectContaining({ user: 'U0ALICE', ts: eph.message_ts })]);
    expect(standin.messages('C0INC')).toEqual([]);
  });

  it('takes files.uploadV2 through getUploadURLExternal, the upload URL and completeUploadExternal', async () => {
    const result = await client().files.uploadV2({
      channel_id: 'C0OPS',
      file: PNG,
      filename: 'health.png',
      title: 'Platform health',
      initial_comment: 'Health trend',
    });
    expect(result.ok).toBe(true);
    expect(standin.calls.map((c) => c.method)).toEqual([
      'files.getUploadURLExternal',
      'upload_url',
      'files.completeUploadExternal',
    ]);
    expect(standin.calls[0]?.payload).toMatchObject({ filename: 'health.png', length: String(PNG.length) });

    const [file] = standin.files();
    expect(file).toMatchObject({
      name: 'health.png',
      title: 'Platform health',
      length: PNG.length,
      channel: 'C0OPS',
      completed: true,
    });
    expect(file?.bytes?.length).toBe(PNG.length);
    expect(file?.bytes?.equals(PNG)).toBe(true);
    expect(standin.messages('C0OPS')).toEqual([
      expect.objectContaining({
        text: 'Health trend',
        files: [{ id: file?.id, name: 'health.png', title: 'Platform health' }],
      }),
    ]);
  });

  it('lets a response_url be used five times, as Slack does', async () => {
    const url = standin.responseUrl();
    const post = (n: number) =>
      fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ text: `reply ${n}` }),
      });
    const statuses = [];
    for (let n = 1; n <= 6; n += 1) statuses.push((await post(n)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    expect(standin.calls.at(-1)).toMatchObject({
      method: 'response_url',
      error: 'used_url',
      payload: { text: 'reply 6' },
    });
  });

  it('waits for a condition or times out naming the calls it saw', async () => {
    const web = client();
    const seen = standin.waitFor((s) => s.messages('C0OPS').find((m) => m.text.includes('76.6%')), EVENT_WAIT_MS);
    await web.chat.postMessage({ channel: 'C0OPS', text: 'queued' });
    await web.chat.postMessage({ channel: 'C0OPS', text: 'Platform health 76.6%' });
    expect((await seen).text).toBe('Platform health 76.6%');
    await expect(standin.waitFor((s) => s.messages('C0INC').length > 0, 50)).rejects.toThrow(
      'calls so far: chat.postMessage, chat.postMessage',
    );
  });
});

describe('a Bolt app against the stand-in, driven by signed requests', () => {
  const signingSecret = 'test-signing-secret';
  let standin: SlackStandin;
  let app: App;
  let eventsUrl: string;
  const handled: { kind: string; retryNum?: number; text?: string }[] = [];

  beforeAll(async () => {
    standin = await startSlackStandin({ channels: { C0OPS: { name: 'platform-ops' } } });
    app = new App({
      token: 'xoxb-test',
      signingSecret,
      logger: silentSlackLogger,
      clientOptions: { slackApiUrl: standin.url, retryConfig: { retries: 0 } },
    });
    app.command('/carbon', async ({ command, ack, respond, client, context }) => {
      await ack();
      handled.push({
        kind: 'command',
        text: command.text,
        ...(context.retryNum !== undefined && { retryNum: context.retryNum }),
      });
      await client.chat.postMessage({ channel: command.channel_id, text: `queued: ${command.text}` });
      await respond({ text: 'on it' });
    });
    app.action({ type: 'block_actions', action_id: 'restart-approve' }, async ({ ack, say }) => {
      await ack();
      handled.push({ kind: 'action' });
      await say('approved');
    });
    app.event('app_mention', async ({ event, say }) => {
      handled.push({ kind: 'mention', text: event.text });
      await say('mentioned');
    });
    const server = await app.start(0);
    eventsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });
  afterEach(() => {
    handled.length = 0;
    standin.reset();
  });
  afterAll(async () => {
    await app.stop();
    await standin.close();
  });

  it('accepts a signed slash command, which reaches the handler and the stand-in', async () => {
    const responseUrl = standin.responseUrl();
    const res = await sendSlashCommand(eventsUrl, signingSecret, {
      text: 'health',
      user_id: 'U0ALICE',
      channel_id: 'C0OPS',
      response_url: responseUrl,
    });
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeGreaterThan(0);
    const message = await standin.waitFor(
      (s) => s.messages('C0OPS').find((m) => m.text === 'queued: health'),
      EVENT_WAIT_MS,
    );
    expect(message.user).toBe(FAKE_WORKSPACE.botUserId);
    await standin.waitFor((s) => s.calls.find((c) => c.method === 'response_url'), EVENT_WAIT_MS);
    expect(standin.calls.find((c) => c.method === 'response_url')).toMatchObject({
      url: new URL(responseUrl).pathname,
      payload: { text: 'on it' },
    });
    // Bolt verified its token at start.
    expect(standin.calls.some((c) => c.method === 'auth.test')).toBe(true);
    expect(handled).toEqual([{ kind: 'command', text: 'health' }]);
  });

  it('rejects a bad or missing signature and a stale timestamp with 401, before any handler runs', async () => {
    const fields = { text: 'health', user_id: 'U0ALICE', channel_id: 'C0OPS' };
    expect((await sendSlashCommand(eventsUrl, signingSecret, fields, { badSignature: true })).status).toBe(401);
    expect((await sendSlashCommand(eventsUrl, signingSecret, fields, { noSignature: true })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 301;
    expect((await sendSlashCommand(eventsUrl, signingSecret, fields, { timestampSec: stale })).status).toBe(401);
    expect(handled).toEqual([]);
  });

  it('marks retries with X-Slack-Retry-Num and delivers interactions and events', async () => {
    const fields = { text: 'health', user_id: 'U0ALICE', channel_id: 'C0OPS', response_url: standin.responseUrl() };
    expect((await sendSlashCommand(eventsUrl, signingSecret, fields, { retryNum: 1 })).status).toBe(200);

    const interaction = await sendInteraction(eventsUrl, signingSecret, {
      type: 'block_actions',
      team: { id: FAKE_WORKSPACE.teamId },
      user: { id: 'U0ALICE' },
      channel: { id: 'C0OPS' },
      api_app_id: FAKE_WORKSPACE.appId,
      trigger_id: '1.2.abc',
      response_url: standin.responseUrl(),
      actions: [
        { type: 'button', action_id: 'restart-approve', block_id: 'approve', value: 'job-1', action_ts: '1.000001' },
      ],
    });
    expect(interaction.status).toBe(200);

    const event = await sendEvent(eventsUrl, signingSecret, {
      type: 'app_mention',
      user: 'U0ALICE',
      text: `<@${FAKE_WORKSPACE.botUserId}> health`,
      ts: '1732233600.000100',
      channel: 'C0OPS',
      event_ts: '1732233600.000100',
    });
    expect(event.status).toBe(200);
    // Each handler answers through the stand-in, so its messages show when all three have run.
    await standin.waitFor((s) => s.messages('C0OPS').length === 3, EVENT_WAIT_MS);
    expect(
      standin
        .messages('C0OPS')
        .map((m) => m.text)
        .sort(),
    ).toEqual(['approved', 'mentioned', 'queued: health']);
    expect(handled).toEqual(
      expect.arrayContaining([
        { kind: 'command', text: 'health', retryNum: 1 },
        { kind: 'action' },
        { kind: 'mention', text: `<@${FAKE_WORKSPACE.botUserId}> health` },
      ]),
    );
  });
});
