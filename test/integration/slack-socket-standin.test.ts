// The Slack stand-in's Socket Mode, driven by a bare WebSocket client (what Slack sends, and what it refuses) and
// by a Bolt app in Socket Mode (what the real client expects).
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { App } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { WebSocket } from 'ws';
import {
  FAKE_WORKSPACE,
  sendSocketEvent,
  sendSocketSlashCommand,
  startSlackStandin,
  type SlackStandin,
} from '../../src/devstack/slack/index.js';
import { silentSlackLogger } from '../support/slack-logger.js';
import { EVENT_WAIT_MS } from '../support/until.js';

type Frame = Record<string, unknown>;

/** A bare Socket Mode client: the frames it received, in order, and a way to wait for the next one. */
class Peer {
  readonly frames: Frame[] = [];
  private readonly listeners = new Set<() => void>();
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      for (const listener of this.listeners) listener();
    });
  }

  static connect(url: string): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const peer = new Peer(ws);
      ws.once('open', () => resolve(peer));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** The first frame (from `from` on) that matches. */
  next(match: (frame: Frame) => boolean, from = 0): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const frame = this.frames.slice(from).find(match);
        if (frame === undefined) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(frame);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`no matching frame; got ${JSON.stringify(this.frames)}`));
      }, EVENT_WAIT_MS);
      this.listeners.add(check);
      check();
    });
  }

  ack(envelopeId: unknown, payload?: Frame): void {
    this.ws.send(JSON.stringify({ envelope_id: envelopeId, ...(payload && { payload }) }));
  }

  closed(): Promise<number> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve(-1);
      this.ws.once('close', (code) => resolve(code));
    });
  }
}

const isType = (type: string) => (frame: Frame) => frame['type'] === type;

describe('Socket Mode stand-in with a bare WebSocket client', () => {
  let standin: SlackStandin;
  /** Slack's 3 s, shortened to nothing: for what Slack does when an ack does not come. */
  let impatient: SlackStandin;
  const peers: Peer[] = [];
  /** A URL from apps.connections.open, called as @slack/socket-mode calls it (the app token as a Bearer header). */
  const openUrl = async (slack = standin) => {
    const web = new WebClient('', {
      slackApiUrl: slack.url,
      headers: { Authorization: 'Bearer xapp-test' },
      retryConfig: { retries: 0 },
      logger: silentSlackLogger,
    });
    return String((await web.apps.connections.open()).url);
  };
  const connect = async (slack = standin) => {
    const peer = await Peer.connect(await openUrl(slack));
    peers.push(peer);
    return peer;
  };

  beforeAll(async () => {
    standin = await startSlackStandin({ socketMode: { ackTimeoutMs: EVENT_WAIT_MS } });
    impatient = await startSlackStandin({ socketMode: { ackTimeoutMs: 1, retryDelaysMs: [0] } });
  });
  afterEach(() => {
    for (const peer of peers.splice(0)) peer.ws.terminate();
    standin.reset();
    impatient.reset();
  });
  afterAll(async () => {
    await standin.close();
    await impatient.close();
  });

  it('opens a connection only for the app-level token, given as a Bearer header', async () => {
    const call = async (method: string, init: { token?: string; form?: Record<string, string> }) => {
      const res = await fetch(`${standin.url}${method}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          ...(init.token !== undefined && { Authorization: `Bearer ${init.token}` }),
        },
        body: new URLSearchParams(init.form ?? {}).toString(),
      });
      return (await res.json()) as Frame;
    };
    const opened = await call('apps.connections.open', { token: 'xapp-test' });
    expect(opened).toMatchObject({ ok: true });
    expect(String(opened['url'])).toMatch(
      new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/link/\\?ticket=[0-9a-f-]{36}&app_id=${FAKE_WORKSPACE.appId}$`),
    );
    // Slack's refusals: the bot token is the wrong kind, another app token is wrong, none is not authed.
    expect(await call('apps.connections.open', { token: 'xoxb-test' })).toEqual({
      ok: false,
      error: 'not_allowed_token_type',
    });
    expect(await call('apps.connections.open', { token: 'xapp-other' })).toEqual({ ok: false, error: 'invalid_auth' });
    expect(await call('apps.connections.open', {})).toEqual({ ok: false, error: 'not_authed' });
    // "passing it as a POST parameter will result in an error"
    expect((await call('apps.connections.open', { form: { token: 'xapp-test' } }))['ok']).toBe(false);
    // And the app token is not a bot token.
    expect(await call('chat.postMessage', { token: 'xapp-test', form: { channel: 'C0OPS', text: 'hi' } })).toEqual({
      ok: false,
      error: 'not_allowed_token_type',
    });
  });

  it('says hello, admits each URL once, and counts an ack only for the envelope it sent', async () => {
    const url = await openUrl();
    const peer = await Peer.connect(url);
    peers.push(peer);
    const hello = await peer.next(isType('hello'));
    expect(hello).toEqual({
      type: 'hello',
      num_connections: 1,
      debug_info: { host: expect.any(String), build_number: expect.any(Number), approximate_connection_time: 18_060 },
      connection_info: { app_id: FAKE_WORKSPACE.appId },
    });
    await expect(Peer.connect(url)).rejects.toThrow(/HTTP 401/); // a ticket is good once
    await expect(Peer.connect(url.replace(/ticket=[^&]+/, 'ticket=forged'))).rejects.toThrow(/HTTP 401/);

    const delivery = sendSocketSlashCommand(standin, { text: 'health', user_id: 'U0ALICE', channel_id: 'C0OPS' });
    const envelope = await peer.next(isType('slash_commands'));
    expect(envelope).toEqual({
      envelope_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: expect.objectContaining({ command: '/carbon', text: 'health', user_id: 'U0ALICE', channel_id: 'C0OPS' }),
    });
    peer.ack('not-an-envelope');
    peer.ack(envelope['envelope_id'], { text: 'on it' });
    await expect(delivery).resolves.toMatchObject({ acked: true, payload: { text: 'on it' } });
    peer.ack(envelope['envelope_id']);
    peer.ws.send('not json');
    await standin.waitFor(() => standin.socketMode.acks.length === 4, EVENT_WAIT_MS);
    expect(standin.socketMode.acks.map((a) => a.status)).toEqual(['unknown', 'accepted', 'duplicate', 'unreadable']);
  });

  it('gives up an unacked slash command, retries an unacked event, and ignores acks that come too late', async () => {
    // With no connection an envelope waits for one as long as for its ack, then counts as not delivered.
    const nowhere = await sendSocketSlashCommand(impatient, { text: 'help', user_id: 'U0ALICE', channel_id: 'C0OPS' });
    expect(nowhere).toEqual({ acked: false, attempts: [] });
    const peer = await connect(impatient);
    const slash = await sendSocketSlashCommand(impatient, { text: 'health', user_id: 'U0ALICE', channel_id: 'C0OPS' });
    expect(slash.acked).toBe(false);
    expect(slash.attempts.map((a) => a.outcome)).toEqual(['timed_out']); // Slack does not retry a slash command

    const event = { type: 'app_mention', user: 'U0ALICE', text: `<@${FAKE_WORKSPACE.botUserId}> hi`, ts: '1.000100' };
    const delivery = await sendSocketEvent(impatient, event, { eventId: 'Ev0RETRY' });
    expect(delivery.acked).toBe(false); // after its one retry (retryDelaysMs: [0])
    expect(delivery.attempts.map((a) => a.outcome)).toEqual(['timed_out', 'timed_out']);
    const [first, retry] = delivery.attempts;
    expect(first).toMatchObject({ type: 'events_api', accepts_response_payload: false, retry_attempt: 0 });
    expect(retry).toMatchObject({ retry_attempt: 1, retry_reason: 'http_timeout', payload: { event_id: 'Ev0RETRY' } });
    expect(retry?.envelope_id).not.toBe(first?.envelope_id);
    // The peer saw both; its acks now are too late and change nothing.
    await peer.next((f) => f['envelope_id'] === retry?.envelope_id);
    peer.ack(first?.envelope_id);
    peer.ack(retry?.envelope_id);
    await impatient.waitFor(() => impatient.socketMode.acks.length === 2, EVENT_WAIT_MS);
    expect(impatient.socketMode.acks.map((a) => a.status)).toEqual(['late', 'late']);
  });

  it('sends disconnect, then delivers to the next connection; a dropped link loses what was in flight', async () => {
    const old = await connect();
    await old.next(isType('hello'));
    standin.socketMode.disconnect('refresh_requested');
    expect(await old.next(isType('disconnect'))).toEqual({
      type: 'disconnect',
      reason: 'refresh_requested',
      debug_info: { host: expect.any(String) },
    });
    const delivery = sendSocketEvent(standin, { type: 'app_mention', user: 'U0ALICE', text: 'hi', ts: '1.000200' });
    const fresh = await connect();
    expect(await fresh.next(isType('hello'))).toMatchObject({ num_connections: 2 });
    const envelope = await fresh.next(isType('events_api'));
    expect(old.frames.some(isType('events_api'))).toBe(false); // not to a connection told to go

    standin.socketMode.drop(); // before the ack: the event is retried on the next connection
    expect(await fresh.closed()).toBe(1006);
    const third = await connect();
    const retry = await third.next(isType('events_api'));
    expect(retry).toMatchObject({ retry_attempt: 1, retry_reason: 'connection_failed' });
    expect(retry['payload']).toEqual(envelope['payload']);
    third.ack(retry['envelope_id']);
    expect((await delivery).attempts.map((a) => a.outcome)).toEqual(['connection_lost', 'acked']);
    expect(standin.socketMode.connections.slice(-3).map((c) => c.dropped === true)).toEqual([true, true, false]);
  });
});

describe('a Bolt app in Socket Mode against the stand-in', () => {
  let standin: SlackStandin;
  let app: App;

  beforeAll(async () => {
    standin = await startSlackStandin({ socketMode: { ackTimeoutMs: EVENT_WAIT_MS } });
    app = new App({
      token: 'xoxb-test',
      appToken: 'xapp-test',
      socketMode: true,
      logger: silentSlackLogger,
      clientOptions: { slackApiUrl: standin.url, retryConfig: { retries: 0 } },
    });
    app.command('/carbon', async ({ ack, command }) => ack(`pong: ${command.text}`));
    await app.start();
  });
  afterAll(async () => {
    await app.stop();
    await standin.close();
  });

  const open = () => standin.socketMode.connections.filter((c) => c.closedAt === undefined);
  const ping = async (text: string) =>
    sendSocketSlashCommand(standin, { text, user_id: 'U0ALICE', channel_id: 'C0OPS' });

  it('connects through apps.connections.open and answers in the ack', async () => {
    expect(standin.calls.filter((c) => c.method === 'apps.connections.open')).toHaveLength(1);
    expect(open()).toHaveLength(1);
    expect(await ping('one')).toMatchObject({ acked: true, payload: { text: 'pong: one' } });
  });

  it('reconnects after the link drops, after a refresh and after a warning, and keeps answering', async () => {
    standin.socketMode.drop();
    await standin.waitFor(() => standin.socketMode.connections.length === 2 && open().length === 1, EVENT_WAIT_MS);
    const afterDrop = await ping('two');
    expect(afterDrop).toMatchObject({ acked: true, payload: { text: 'pong: two' } });
    expect(afterDrop.attempts[0]?.connection).toBe(2);

    standin.socketMode.disconnect('refresh_requested');
    await standin.waitFor(() => standin.socketMode.connections.length === 3 && open().length === 1, EVENT_WAIT_MS);
    // The client closed the old link itself, with a close frame, as asked.
    expect(standin.socketMode.connections[1]).toMatchObject({ disconnect: 'refresh_requested', closeCode: 1000 });
    expect((await ping('three')).attempts[0]?.connection).toBe(3);

    standin.socketMode.disconnect('warning'); // @slack/socket-mode 2.x reconnects at once on a warning too
    await standin.waitFor(() => standin.socketMode.connections.length === 4 && open().length === 1, EVENT_WAIT_MS);
    expect((await ping('four')).attempts[0]?.connection).toBe(4);
  });
});
