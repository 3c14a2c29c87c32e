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

  it('never posts a keyed message twice when Slack took it but its answer was lost', async () => {
    // In front of the stand-in: the first chat.postMessage is carried out, then its connection is cut.
    let cut = 0;
    const proxy: Server = createServer((req, res) => {
      const upstream = request(
        new URL(req.url ?? '/', standin.url),
        { method: req.method, headers: req.headers },
        (answer) => {
          if (req.url?.endsWith('/chat.postMessage') && cut++ === 0) return req.socket.destroy();
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const apiUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/api/`;
      const cutChat = slackChat(createSlackClient({ token: 'xoxb-chat', apiUrl }));
      const ts = await cutChat.post('C0GENERAL', { text: 'posted once' }, undefined, 'key-1');

      expect(cut).toBe(1);
      expect(standin.messages('C0GENERAL').filter((m) => m.text === 'posted once')).toEqual([
        expect.objectContaining({ ts }),
      ]);
      // Without a key there is nothing to look for: the attempt is sent again, as the WebClient would.
      cut = 0;
      await cutChat.post('C0GENERAL', { text: 'unkeyed' });
      expect(standin.messages('C0GENERAL').filter((m) => m.text === 'unkeyed')).toHaveLength(2);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
