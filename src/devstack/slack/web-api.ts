// A stand-in for the Slack Web API, served over node:http for tests and the devstack. It speaks what
// @slack/web-api sends, records every call, keeps messages as they stand after edits, and injects Slack's
// faults on demand (ratelimited with Retry-After, any error name).
import { Buffer } from 'node:buffer';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMethods, type SlackResult } from './methods.js';
import { parseApiRequest, readBody, uploadedBytes } from './request.js';
import {
  Workspace,
  type SlackChannelSpec,
  type SlackUserSpec,
  type StoredEphemeral,
  type StoredMessage,
  type UploadedFile,
} from './workspace.js';

export type RecordedCall = {
  /** A Web API method, or `upload_url` / `response_url` for posts to those URLs. */
  method: string;
  /** The arguments as Slack read them (JSON arguments such as `blocks` decoded), without the token. */
  payload: Record<string, unknown>;
  /** When the request arrived (ms since the epoch). */
  at: number;
  /** The Slack error the call was answered with; absent when it succeeded. */
  error?: string;
  /** The path posted to, for `upload_url` and `response_url`. */
  url?: string;
};

export type SlackStandinOptions = {
  port?: number;
  /** The one token the stand-in accepts. */
  botToken?: string;
  /** When given, only these users (and the bot) exist; otherwise every user ID does. */
  users?: Record<string, SlackUserSpec>;
  /** When given, only these channels exist (by ID or name); otherwise every channel ID does. */
  channels?: Record<string, SlackChannelSpec>;
  /** User groups (S… IDs) and their members, for `usergroups.users.list`. */
  usergroups?: Record<string, string[]>;
};

export type SlackStandin = {
  /** The Web API base, ending in '/api/': give it to WebClient's `slackApiUrl` or Bolt's `clientOptions`. */
  url: string;
  /** Every request, in arrival order. */
  calls: RecordedCall[];
  /** The channel's messages in posting order, as they stand after updates (copies). */
  messages(channel: string): StoredMessage[];
  /** Ephemeral messages posted in the channel (copies). */
  ephemerals(channel: string): StoredEphemeral[];
  /** Files announced through files.getUploadURLExternal (copies). */
  files(): UploadedFile[];
  /** A fresh response_url for a signed slash command or interaction sent to the bot. */
  responseUrl(): string;
  /** The next call of `method` answers 429 with Retry-After and `{ok:false, error:'ratelimited'}`. */
  rateLimitNext(method: string, retryAfterSec: number): void;
  /** The next call of `method` answers `{ok:false, error}`. */
  failNext(method: string, error: string): void;
  /** Resolves with the predicate's first value that is not undefined/null/false, checked after every request. */
  waitFor<T>(predicate: (standin: SlackStandin) => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** Forgets calls, messages, files, response URLs and pending faults. */
  reset(): void;
  close(): Promise<void>;
};

type Fault = { kind: 'ratelimited'; retryAfterSec: number } | { kind: 'error'; error: string };

/** Slack lets a response_url be used five times (within 30 minutes, which no test lives to see). */
const RESPONSE_URL_USES = 5;

export async function startSlackStandin(opts: SlackStandinOptions = {}): Promise<SlackStandin> {
  const botToken = opts.botToken ?? 'xoxb-test';
  const workspace = new Workspace(opts);
  const calls: RecordedCall[] = [];
  const faults = new Map<string, Fault[]>();
  const responseUrlUses = new Map<string, number>();
  const waiters = new Set<(closed?: Error) => void>();
  let origin = '';
  let responseUrlCount = 0;

  const methods = createMethods(workspace, (fileId) => `${origin}/upload/v1/${fileId}`);

  const notify = (): void => {
    for (const check of [...waiters]) check();
  };

  const apiCall = (method: string, req: IncomingMessage, body: Buffer, res: ServerResponse, at: number): void => {
    const parsed = parseApiRequest(req, body);
    const payload = 'params' in parsed ? parsed.params : {};
    const answer = (result: SlackResult, status = 200, headers: Record<string, string> = {}): void => {
      calls.push({ method, payload, at, ...(!result.ok && { error: String(result['error']) }) });
      sendJson(res, status, result, headers);
    };
    if ('error' in parsed) return answer({ ok: false, error: parsed.error });
    const handler = Object.hasOwn(methods, method) ? methods[method] : undefined;
    if (handler === undefined) return answer({ ok: false, error: 'unknown_method', req_method: method });
    if (parsed.token === undefined) return answer({ ok: false, error: 'not_authed' });
    if (parsed.token !== botToken) return answer({ ok: false, error: 'invalid_auth' });
    const fault = faults.get(method)?.shift();
    if (fault?.kind === 'ratelimited') {
      return answer({ ok: false, error: 'ratelimited' }, 429, { 'Retry-After': String(fault.retryAfterSec) });
    }
    if (fault?.kind === 'error') return answer({ ok: false, error: fault.error });
    answer(handler(parsed.params));
  };

  const upload = async (
    path: string,
    fileId: string,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
    at: number,
  ) => {
    const file = workspace.uploads.get(fileId);
    if (file === undefined) return sendText(res, 404, 'Not Found');
    file.bytes = await uploadedBytes(req, body);
    calls.push({ method: 'upload_url', url: path, payload: { file_id: fileId, length: file.bytes.length }, at });
    sendText(res, 200, `OK - ${file.bytes.length}`);
  };

  const respond = (path: string, body: Buffer, res: ServerResponse, at: number): void => {
    const uses = responseUrlUses.get(path);
    if (uses === undefined) return sendText(res, 404, 'Not Found');
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      return sendText(res, 400, 'invalid_payload');
    }
    const fields = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
    if (uses >= RESPONSE_URL_USES) {
      // Slack refuses further uses; the exact error text is the stand-in's own (Slack does not document it).
      calls.push({ method: 'response_url', url: path, payload: fields, at, error: 'used_url' });
      return sendJson(res, 404, { ok: false, error: 'used_url' });
    }
    responseUrlUses.set(path, uses + 1);
    calls.push({ method: 'response_url', url: path, payload: fields, at });
    sendJson(res, 200, { ok: true });
  };

  const server = createServer((req, res) => {
    const at = Date.now();
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    readBody(req)
      .then(async (body) => {
        const uploadMatch = /^\/upload\/v1\/([^/]+)$/.exec(path);
        if (path.startsWith('/api/')) apiCall(path.slice('/api/'.length), req, body, res, at);
        else if (uploadMatch?.[1] !== undefined && req.method === 'POST')
          await upload(path, uploadMatch[1], req, body, res, at);
        else if (path.startsWith('/response/') && req.method === 'POST') respond(path, body, res, at);
        else sendText(res, 404, 'Not Found');
        notify();
      })
      .catch((err: unknown) => {
        // Slack's name for its own failures; the message helps whoever debugs the stand-in.
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fatal_error', detail: String(err) });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const standin: SlackStandin = {
    url: `${origin}/api/`,
    calls,
    messages: (channel) => structuredClone(workspace.messages(channel)),
    ephemerals: (channel) => {
      const id = workspace.resolveChannel(channel) ?? channel;
      return structuredClone(workspace.ephemerals.filter((m) => m.channel === id));
    },
    files: () =>
      [...workspace.uploads.values()].map((f) => ({ ...f, ...(f.bytes && { bytes: Buffer.from(f.bytes) }) })),
    responseUrl: () => {
      responseUrlCount += 1;
      const path = `/response/${responseUrlCount}`;
      responseUrlUses.set(path, 0);
      return `${origin}${path}`;
    },
    rateLimitNext: (method, retryAfterSec) => pushFault(faults, method, { kind: 'ratelimited', retryAfterSec }),
    failNext: (method, error) => pushFault(faults, method, { kind: 'error', error }),
    waitFor: <T>(predicate: (s: SlackStandin) => T | undefined | null | false, timeoutMs = 5_000) =>
      new Promise<T>((resolve, reject) => {
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        const check = (closed?: Error): void => {
          if (closed) {
            finish();
            return reject(closed);
          }
          try {
            const value = predicate(standin);
            if (value === undefined || value === null || value === false) return;
            finish();
            resolve(value);
          } catch (err) {
            finish();
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        };
        const timer = setTimeout(() => {
          finish();
          const seen = calls.map((c) => (c.error ? `${c.method}(${c.error})` : c.method)).join(', ') || 'none';
          reject(new Error(`waitFor: condition not met within ${timeoutMs} ms; calls so far: ${seen}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    reset: () => {
      calls.length = 0;
      faults.clear();
      responseUrlUses.clear();
      workspace.clear();
    },
    close: async () => {
      for (const check of [...waiters]) check(new Error('Slack stand-in closed'));
      // Keep-alive sockets from WebClient would otherwise hold close() open.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
  return standin;
}

function pushFault(faults: Map<string, Fault[]>, method: string, fault: Fault): void {
  const queue = faults.get(method) ?? [];
  queue.push(fault);
  faults.set(method, queue);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}
