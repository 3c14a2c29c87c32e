import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { signSlackRequest } from '../../src/devstack/slack/index.js';
import { MAX_BODY_BYTES } from '../../src/handlers/slack-intake.js';
import { RestartRig, SECRET } from '../support/restart-rig.js';

/**
 * The events URL holds at most MAX_BODY_BYTES of a request, whoever sends it: a larger body is refused
 * with 413 while it is read (a declared Content-Length before a byte is read), before Bolt checks the
 * signature, so a stream of large uploads leaves the bot's memory where it was. The bot is the one
 * buildBot makes, in this process: its resident memory is this process's.
 */
const rig = new RestartRig();
beforeAll(() => rig.start({ worker: false }), 60_000);
afterAll(() => rig.stop());

const FORM = 'application/x-www-form-urlencoded';
const UPLOAD_BYTES = 100 * 1024 * 1024;
const MiB = 1024 * 1024;

type Upload = { signed: boolean; chunked: boolean };

/**
 * Streams `bytes` of form data to the events URL from one reused buffer (the sender holds 64 KiB), sampling
 * this process's resident memory at every chunk: resolves with the status and the highest sample.
 */
function upload({ signed, chunked }: Upload, bytes = UPLOAD_BYTES): Promise<{ status: number; peakRss: number }> {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  let sent = 0;
  let peakRss = process.memoryUsage.rss();
  const body = new Readable({
    read() {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      if (sent >= bytes) return void this.push(null);
      const next = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
      sent += next.length;
      this.push(next);
    },
  });
  // Valid-looking headers: a fresh timestamp and a signature of the right form (of another body).
  const headers: Record<string, string> = signed
    ? { ...signSlackRequest('text=help', SECRET) }
    : { 'Content-Type': FORM };
  if (!chunked) headers['Content-Length'] = String(bytes);
  return new Promise((resolve, reject) => {
    const req = request(rig.eventsUrl, { method: 'POST', headers }, (res) => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      res.resume();
      body.destroy();
      req.destroy(); // the rest of the upload is not sent
      resolve({ status: res.statusCode ?? 0, peakRss });
    });
    // Once the answer is in, the bot may close the connection under the unsent rest: that is expected.
    req.on('error', (error) => reject(error));
    body.pipe(req);
  });
}

describe('request bodies are bounded', () => {
  it('refuses 100 MB uploads with 413, signed or not, chunked or not, and memory stays flat', async () => {
    const kinds: Upload[] = [
      { signed: false, chunked: true },
      { signed: false, chunked: false },
      { signed: true, chunked: true },
      { signed: true, chunked: false },
    ];
    // A small one of each first, so what the first requests allocate once (sockets, JIT) is in the baseline; a
    // large one would raise the resident size for good (freed memory is kept for reuse) and hide any growth.
    for (const kind of kinds) expect((await upload(kind, 2 * MiB)).status).toBe(413);
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const result = await upload(kinds[i % kinds.length]!);
      statuses.push(result.status);
      peak = Math.max(peak, result.peakRss);
    }
    expect(statuses).toEqual(Array(12).fill(413));
    // A behaviour bound, not a measurement target: one buffered upload alone would be 100 MB.
    expect((peak - baseline) / MiB).toBeLessThan(64);
    expect((await fetch(new URL('/healthz', rig.eventsUrl))).status).toBe(200);
  });

  it('takes a signed body of exactly the cap, and refuses one byte more with 413', async () => {
    const requestOf = (bytes: number) => {
      const form = new URLSearchParams({
        command: '/carbon',
        text: 'help',
        user_id: 'U0VIEWER',
        channel_id: 'C0GENERAL',
        channel_name: 'general',
        trigger_id: `cap.${bytes}`,
        padding: '',
      }).toString();
      return form + 'x'.repeat(bytes - form.length); // the padding field's value fills the body to `bytes`
    };
    const send = async (body: string) =>
      (await fetch(rig.eventsUrl, { method: 'POST', headers: signSlackRequest(body, SECRET), body })).status;

    expect(await send(requestOf(MAX_BODY_BYTES + 1))).toBe(413);
    expect(await send(requestOf(MAX_BODY_BYTES))).toBe(200);
    // The command in it ran: help, answered to the person who typed it.
    const answer = await rig.whisper('U0VIEWER', /carbon-ops commands/, 'C0GENERAL');
    expect(answer.text).toMatch(/^\*carbon-ops commands\*\n/);
  });
});

describe('headers and shape, checked before Bolt parses', () => {
  const json = (value: unknown) => ({ body: JSON.stringify(value), type: 'application/json' });
  const interaction = (payload: unknown) => ({
    body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    type: FORM,
  });
  const click = {
    type: 'block_actions',
    user: { id: 'U0APPROVER' },
    channel: { id: 'C0INCIDENT' },
    actions: [{ type: 'button', action_id: 'restart-approve', value: 'abc', action_ts: '1761300200.123456' }],
  };

  it.each([
    { what: 'a content type Slack does not send', ...{ body: 'text=help', type: 'text/plain' }, status: 415 },
    { what: 'JSON that is not an object', ...json(null), status: 400 },
    {
      what: 'an event whose channel is null',
      ...json({ type: 'event_callback', event_id: 'Ev1', event: { type: 'app_mention', channel: null } }),
      status: 400,
    },
    {
      what: 'an event that is not an object',
      ...json({ type: 'event_callback', event_id: 'Ev2', event: 'app_mention' }),
      status: 400,
    },
    { what: 'a JSON body of no kind Slack sends', ...json({ type: 'block_actions', actions: [] }), status: 400 },
    { what: 'a click without its user', ...interaction({ ...click, user: undefined }), status: 400 },
    { what: 'a click without actions', ...interaction({ ...click, actions: [] }), status: 400 },
    {
      what: 'a click whose action is not an object',
      ...interaction({ ...click, actions: ['restart-approve'] }),
      status: 400,
    },
    { what: 'a click carrying an event', ...interaction({ ...click, event: 1 }), status: 400 },
    {
      what: 'a form field given twice',
      ...{ body: 'command=%2Fcarbon&command=%2Fcarbon&text=help', type: FORM },
      status: 400,
    },
    {
      what: 'a form that is neither a command nor a click',
      ...{ body: 'text=help&user_id=U0VIEWER', type: FORM },
      status: 400,
    },
  ])('$what, signed: refused with $status at once, nothing run', async ({ body, type, status }) => {
    const before = rig.slack.calls.length;
    const response = await fetch(rig.eventsUrl, {
      method: 'POST',
      headers: signSlackRequest(body, SECRET, undefined, type),
      body,
    });
    expect(response.status).toBe(status);
    expect(rig.slack.calls.length).toBe(before);
  });

  it('answers other paths and methods with 404 and stays up', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['POST', '/slack/install'],
      ['GET', '/slack/events'],
      ['PUT', '/slack/events'],
    ] as const)
      expect((await fetch(new URL(path, rig.eventsUrl), { method })).status).toBe(404);
    expect((await fetch(new URL('/healthz', rig.eventsUrl))).status).toBe(200);
  });
});
