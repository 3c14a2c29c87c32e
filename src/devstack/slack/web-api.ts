// A stand-in for the Slack Web API, served over node:http for tests and the devstack. It speaks what
// @slack/web-api sends, records every call, keeps messages as they stand after edits, and injects Slack's
// faults on demand (ratelimited with Retry-After, any error name). Socket Mode's WebSocket link is served on
// the same port (socket-mode.ts).
import { Buffer } from 'node:buffer';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMethods, type SlackResult } from './methods.js';
import { parseApiRequest, readBody, uploadedBytes, type ApiRequest } from './request.js';
import { SocketModeLink, type SocketModeOptions, type SocketModeStandin } from './socket-mode.js';
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
  /** The one bot token (xoxb-…) the Web API methods accept. */
  botToken?: string;
  /** The one app-level token (xapp-…) apps.connections.open accepts, for Socket Mode. */
  appToken?: string;
  /** Socket Mode's ack timeout, retry schedule and pings. */
  socketMode?: SocketModeOptions;
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
  /** Socket Mode: the connections apps.connections.open led to, the envelopes sent over them and their acks. */
  socketMode: SocketModeStandin;
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
  /** The next call of `method` is carried out, but its answer is lost: the connection is cut before it is sent. */
  loseAnswerNext(method: string): void;
  /** Resolves with the predicate's first value that is not undefined/null/false, checked after every request. */
  waitFor<T>(predicate: (standin: SlackStandin) => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** Forgets calls, messages, files, response URLs, pending faults, and finished envelopes and their acks. */
  reset(): void;
  close(): Promise<void>;
};

type Fault = { kind: 'ratelimited'; retryAfterSec: number } | { kind: 'error'; error: string } | { kind: 'lost' };

/** Methods called with the app-level token instead of the bot token. */
const APP_LEVEL_METHODS = new Set(['apps.connections.open']);

/**
 * Slack's refusal of a call's token, or undefined. Each method takes one kind of token: the other kind is
 * not_allowed_token_type, a wrong one of the right kind invalid_auth. apps.connections.open reads its token from the
 * Authorization header only ("passing it as a POST parameter will result in an error"; which error Slack does not
 * say, so the stand-in treats it as no token at all).
 */
function tokenRefusal(method: string, request: ApiRequest, tokens: { bot: string; app: string }): string | undefined {
  const appLevel = APP_LEVEL_METHODS.has(method);
  const token = appLevel && !request.tokenInHeader ? undefined : request.token;
  if (token === undefined) return 'not_authed';
  if (token.startsWith('xapp-') !== appLevel) return 'not_allowed_token_type';
  return token === (appLevel ? tokens.app : tokens.bot) ? undefined : 'invalid_auth';
}

/** Slack lets a response_url be used five times (within 30 minutes, which no test lives to see). */
const RESPONSE_URL_USES = 5;

export async function startSlackStandin(opts: SlackStandinOptions = {}): Promise<SlackStandin> {
  const tokens = { bot: opts.botToken ?? 'xoxb-test', app: opts.appToken ?? 'xapp-test' };
  const workspace = new Workspace(opts);
  const calls: RecordedCall[] = [];
  const faults = new Map<string, Fault[]>();
  const responseUrlUses = new Map<string, number>();
  const waiters = new Set<(closed?: Error) => void>();
  let origin = '';
  let closed = false;
  let responseUrlCount = 0;

  const notify = (): void => {
    for (const check of [...waiters]) check();
  };
  const link = new SocketModeLink(opts.socketMode ?? {}, notify);
  const methods = createMethods(
    workspace,
    (fileId) => `${origin}/upload/v1/${fileId}`,
    () => link.openUrl(origin),
  );

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
    const refused = tokenRefusal(method, parsed, tokens);
    if (refused !== undefined) return answer({ ok: false, error: refused });
    const fault = faults.get(method)?.shift();
    if (fault?.kind === 'ratelimited') {
      return answer({ ok: false, error: 'ratelimited' }, 429, { 'Retry-After': String(fault.retryAfterSec) });
    }
    if (fault?.kind === 'error') return answer({ ok: false, error: fault.error });
    if (fault?.kind === 'lost') {
      const result = handler(parsed.params);
      calls.push({ method, payload, at, ...(!result.ok && { error: String(result['error']) }) });
      res.socket?.destroy(); // done on Slack's side; the caller never hears so
      return;
    }
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
  server.on('upgrade', (req, socket, head: Buffer) => link.upgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const standin: SlackStandin = {
    url: `${origin}/api/`,
    socketMode: link,
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
    loseAnswerNext: (method) => pushFault(faults, method, { kind: 'lost' }),
    waitFor: <T>(predicate: (s: SlackStandin) => T | undefined | null | false, timeoutMs = 5_000) =>
      new Promise<T>((resolve, reject) => {
        if (closed) return reject(new Error('Slack stand-in closed'));
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
      link.reset();
    },
    close: async () => {
      closed = true;
      for (const check of [...waiters]) check(new Error('Slack stand-in closed'));
      link.close();
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
