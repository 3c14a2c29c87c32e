// Raw HTTPS requests to the stand-in with its CA trusted and a bearer token, answered as a standard
// Response (streamed, so watches can be read as they come): for tests that look at the wire.
import { request } from 'node:https';
import { Readable } from 'node:stream';

export interface StandinFetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Bearer token; default the admin's; null sends none. */
  token?: string | null;
  signal?: AbortSignal;
}

export type StandinFetch = (path: string, init?: StandinFetchInit) => Promise<Response>;

export function standinFetch(baseUrl: string, ca: string, adminToken: string): StandinFetch {
  return (path, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const token = init.token === undefined ? adminToken : init.token;
      const headers: Record<string, string> = {
        ...(token !== null ? { Authorization: `Bearer ${token}` } : {}),
        // Node sends a DELETE's body neither chunked nor sized unless told: the length makes it arrive.
        ...(init.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(init.body)) } : {}),
        ...init.headers,
      };
      const req = request(
        new URL(path, baseUrl),
        { method: init.method ?? 'GET', headers, ca, ...(init.signal ? { signal: init.signal } : {}) },
        (res) => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers))
            if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
          const body = res.statusCode === 204 ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
          resolve(new Response(body, { status: res.statusCode ?? 500, headers: responseHeaders }));
        },
      );
      req.on('error', reject);
      req.end(init.body);
    });
}
