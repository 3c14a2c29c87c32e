// The Chat the bot and the workers speak through (slackChat), against the Slack stand-in: its messages go as JSON
// over node:http (slack-http.ts), and keep what the bot relied on from the WebClient.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSlackStandin, type SlackStandin } from '../../src/devstack/slack/index.js';
import { PromMetrics } from '../../src/integrations/metrics.js';
import { createSlackClient, slackChat, type Chat } from '../../src/integrations/slack.js';

describe('slackChat', () => {
  let standin: SlackStandin;
  let metrics: PromMetrics;
  let chat: Chat;

  beforeAll(async () => {
    standin = await startSlackStandin({ botToken: 'xoxb-chat' });
    metrics = new PromMetrics();
    chat = slackChat(createSlackClient({ token: 'xoxb-chat', apiUrl: standin.url }), metrics);
  });
  afterAll(() => standin.close());

  it('posts, edits and whispers messages with their blocks, in threads', async () => {
    const blocks = [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: '*Queued*' } }];
    const ts = await chat.post('C0GENERAL', { text: 'Queued', blocks });
    const reply = await chat.post('C0GENERAL', { text: 'in the thread' }, ts);
    await chat.update('C0GENERAL', ts, { text: 'Done' });
    await chat.ephemeral('C0GENERAL', 'U0VIEWER', { text: 'only you' });

    const messages = standin.messages('C0GENERAL');
    expect(messages.find((m) => m.ts === ts)).toMatchObject({ text: 'Done' });
    expect(messages.find((m) => m.ts === reply)).toMatchObject({ text: 'in the thread', thread_ts: ts });
    expect(standin.ephemerals('C0GENERAL')).toEqual(
      expect.arrayContaining([expect.objectContaining({ user: 'U0VIEWER', text: 'only you' })]),
    );
  });

  it('waits out a 429 for its Retry-After, posts once, and counts it', async () => {
    standin.rateLimitNext('chat.postMessage', 1);
    const ts = await chat.post('C0GENERAL', { text: 'after the rate limit' });

    expect(standin.messages('C0GENERAL').filter((m) => m.text === 'after the rate limit')).toEqual([
      expect.objectContaining({ ts }),
    ]);
    const exposition = (await metrics.exposition()).body;
    expect(exposition).toContain('carbon_slack_rate_limited_total{method="chat.postMessage"} 1');
  });

  it("fails with Slack's reason, as the WebClient's errors give it, and never with the token", async () => {
    standin.failNext('chat.postMessage', 'channel_not_found');
    const error = (await chat.post('C0NOWHERE', { text: 'x' }).catch((e: unknown) => e)) as {
      code: string;
      data: { error: string };
    };

    expect(error).toMatchObject({ code: 'slack_webapi_platform_error', data: { error: 'channel_not_found' } });
    expect(JSON.stringify(error) + String(error)).not.toContain('xoxb-chat');
    expect((await metrics.exposition()).body).toContain(
      'carbon_slack_api_calls_total{method="chat.postMessage",outcome="error"} 1',
    );
  });

  /**
   * A chat through a proxy in front of the stand-in that spoils the next chat.postMessage(s): carries it out, then
   * cuts the connection or answers with a 200 HTML page as a misconfigured proxy would; or drops it unsent.
   */
  async function spoilingChat(spoil: 'cut' | 'html' | 'drop', upstreamOf = standin) {
    let spoilNext = 0;
    let spoiled = 0;
    const proxy: Server = createServer((req, res) => {
      if (spoil === 'drop' && req.url?.endsWith('/chat.postMessage') && spoilNext > 0) {
        spoilNext--;
        spoiled++;
        return req.socket.destroy();
      }
      const upstream = request(
        new URL(req.url ?? '/', upstreamOf.url),
        { method: req.method, headers: req.headers },
        (answer) => {
          if (req.url?.endsWith('/chat.postMessage') && spoilNext > 0) {
            spoilNext--;
            spoiled++;
            answer.resume();
            if (spoil === 'cut') return req.socket.destroy();
            res.writeHead(200, { 'content-type': 'text/html' });
            return res.end('<html><body>Gateway says hello</body></html>');
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const apiUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/api/`;
    return {
      chat: slackChat(createSlackClient({ token: 'xoxb-chat', apiUrl })),
      spoilNextPost: (times = 1) => (spoilNext = times),
      spoiled: () => spoiled,
      close: () => new Promise((resolve) => proxy.close(resolve)),
    };
  }
  const posted = (text: string) => standin.messages('C0GENERAL').filter((m) => m.text === text);

  describe.each(['cut', 'html'] as const)('when Slack took a post but its answer was spoiled (%s)', (spoil) => {
    it('looks for a keyed post before sending it again, and never posts it twice', async () => {
      const proxied = await spoilingChat(spoil);
      try {
        proxied.spoilNextPost();
        const ts = await proxied.chat.post('C0GENERAL', { text: `keyed ${spoil}` }, undefined, `key-${spoil}`);

        expect(proxied.spoiled()).toBe(1);
        expect(posted(`keyed ${spoil}`)).toEqual([expect.objectContaining({ ts })]);
      } finally {
        await proxied.close();
      }
    });

    it('never sends an unkeyed post again, and says it may have been posted', async () => {
      const proxied = await spoilingChat(spoil);
      try {
        proxied.spoilNextPost();
        const error = await proxied.chat.post('C0GENERAL', { text: `unkeyed ${spoil}` }).catch((e: unknown) => e);

        expect(error).toMatchObject({ code: 'slack_webapi_request_error' });
        expect(String(error)).toMatch(/may have carried out chat\.postMessage, so it is not sent again/);
        if (spoil === 'html') expect(String(error)).toContain('not JSON (HTTP 200, text/html)');
        expect(posted(`unkeyed ${spoil}`)).toHaveLength(1);
      } finally {
        await proxied.close();
      }
    });
  });

  it('never sends a keyed post again where Slack will not show the history to look for it (not_in_channel)', async () => {
    // A public channel the bot posts in without being a member (chat:write.public): it cannot read it.
    const outside = await startSlackStandin({
      botToken: 'xoxb-chat',
      channels: { C0STATUS: { name: 'status', botMember: false } },
    });
    const proxied = await spoilingChat('cut', outside);
    try {
      const lookup = await proxied.chat.findPosted('C0STATUS', 'any', new Date()).catch((e: unknown) => e);
      expect(lookup).toMatchObject({ data: { error: 'not_in_channel' } });

      proxied.spoilNextPost();
      const error = await proxied.chat
        .post('C0STATUS', { text: 'status' }, undefined, 'key-status')
        .catch((e: unknown) => e);

      expect(String(error)).toMatch(
        /may have carried out chat\.postMessage and will not say whether it did \(not_in_channel\)/,
      );
      expect(outside.messages('C0STATUS').filter((m) => m.text === 'status')).toHaveLength(1);
    } finally {
      await proxied.close();
      await outside.close();
    }
  });

  it('says a keyed post may have been made when every answer was lost, though none was found', async () => {
    const proxied = await spoilingChat('drop');
    try {
      proxied.spoilNextPost(3);
      const error = await proxied.chat
        .post('C0GENERAL', { text: 'lost' }, undefined, 'key-lost')
        .catch((e: unknown) => e);

      expect(proxied.spoiled()).toBe(3); // looked for after each lost answer, not found, sent again
      expect(String(error)).toMatch(/may have carried out chat\.postMessage \(no retries left\)/);
    } finally {
      await proxied.close();
    }
  });

  it('sends a post again when it cannot have reached Slack (no connection was made)', async () => {
    // A port nobody listens on: every attempt is refused before anything goes out, so each may be sent again.
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = slackChat(createSlackClient({ token: 'xoxb-chat', apiUrl: `http://127.0.0.1:${port}/api/` }));

    const error = await refused.post('C0GENERAL', { text: 'never reached' }).catch((e: unknown) => e);

    // Sent three times (two retries), each refused: the error is the connection's, not the "may have landed" one.
    expect(String(error)).toContain('ECONNREFUSED');
    expect(String(error)).not.toContain('may have carried out');
  });
});
