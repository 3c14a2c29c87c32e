import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ApiRequest, type ApiResponse, fail } from './api.js';

/** Vault's default `max_request_size`. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** What the HTTP layer knows before routing; both the normal path and the LIST fallback produce one. */
export interface RawRequest {
  method: string;
  /** The request target as sent: path and query, still percent-encoded. */
  target: string;
  header: (name: string) => string | undefined;
  body: Buffer;
}

/** Turns a raw request into an ApiRequest, or into the error Vault would answer. */
export function parse(raw: RawRequest): ApiRequest | ApiResponse {
  const q = raw.target.indexOf('?');
  const rawPath = q === -1 ? raw.target : raw.target.slice(0, q);
  const rawQuery = q === -1 ? '' : raw.target.slice(q + 1);
  if (!rawPath.startsWith('/v1/')) return fail(404);
  let path: string;
  try {
    path = decodeURIComponent(rawPath.slice('/v1/'.length));
  } catch {
    return fail(400, 'invalid URL escape');
  }
  let body: unknown;
  if (raw.body.length > 0) {
    try {
      body = JSON.parse(raw.body.toString('utf8'));
    } catch {
      // Never echo the parser's message: it quotes the body, which may be a secret.
      return fail(400, 'failed to parse JSON input');
    }
  }
  const bearer = raw.header('authorization')?.match(/^Bearer (.+)$/)?.[1];
  return {
    method: raw.method.toUpperCase(),
    path,
    query: new URLSearchParams(rawQuery),
    token: raw.header('x-vault-token') ?? bearer,
    body,
  };
}

/** The path part of a request target, for the request log: never the query, never a header or the body. */
export const pathOf = (target: string): string => target.split('?', 1)[0] ?? '';

/** The body, or undefined when it exceeds the limit; an oversized body is still drained so the 413 can be sent. */
export async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks);
}

export const tooLarge = (): ApiResponse => fail(413, 'http: request body too large');

function encode(res: ApiResponse, method: string): { headers: Record<string, string>; payload: string } {
  const payload =
    res.body === undefined || method === 'HEAD' || res.status === 204 ? '' : `${JSON.stringify(res.body)}\n`;
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', ...res.headers };
  if (payload !== '') headers['Content-Type'] = 'application/json';
  return { headers, payload };
}

export function send(out: ServerResponse, res: ApiResponse, method: string): void {
  const { headers, payload } = encode(res, method);
  out.writeHead(res.status, { ...headers, 'Content-Length': String(Buffer.byteLength(payload)) });
  out.end(method === 'HEAD' ? undefined : payload);
}

/**
 * Node's HTTP parser rejects methods it does not know, and Vault's `LIST` is one of them, so a `LIST` request
 * arrives here as a parse error with the bytes already read. The request line and headers are recovered from those
 * bytes (a LIST has no body) and answered by hand on the socket, which is then closed.
 */
export function rawListRequest(packet: Buffer | undefined): RawRequest | undefined {
  const text = packet?.toString('latin1') ?? '';
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd === -1) return undefined;
  const [requestLine = '', ...headerLines] = text.slice(0, headEnd).split('\r\n');
  const match = /^LIST (\/\S*) HTTP\/1\.[01]$/.exec(requestLine);
  if (match?.[1] === undefined) return undefined;
  const headers = new Map<string, string>();
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { method: 'LIST', target: match[1], header: (name) => headers.get(name), body: Buffer.alloc(0) };
}

export function sendOnSocket(socket: Duplex, res: ApiResponse, method: string): void {
  const { headers, payload } = encode(res, method);
  const lines = [`HTTP/1.1 ${res.status} ${STATUS_CODES[res.status] ?? ''}`];
  for (const [name, value] of Object.entries({
    ...headers,
    'Content-Length': String(Buffer.byteLength(payload)),
    Connection: 'close',
  })) {
    lines.push(`${name}: ${value}`);
  }
  socket.end(`${lines.join('\r\n')}\r\n\r\n${payload}`);
}
