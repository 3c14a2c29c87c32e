// The Kubernetes API on plain JSON. Objects go on the wire exactly as the caller built them and come
// back as the server sent them: client-node's typed models rename fields that clash with TypeScript
// words (`from` → `_from`, `default` → `_default`) and drop what they do not know, which once silently
// stripped every NetworkPolicy's `from` and every LimitRange's `default`. The kubeconfig, in-cluster
// config, credentials and TLS settings are kubeconfig.ts's.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { NO_METRICS, secondsSince, type CallOutcome, type Metrics } from '../contracts/metrics.js';
import { KubeCredentialsError, type KubeAccess } from './kubeconfig.js';
import { NotJson, readListPage, type ListEnvelope } from './kube-list-page.js';

/** The Status object the API server answers a refusal with. */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    kind?: string;
    causes?: { reason?: string; type?: string; message?: string; field?: string }[];
  };
  metadata?: { continue?: string };
}

/** The API server answered with an HTTP error: `code` and its Status, as sent. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: KubeStatus | undefined,
    what: string,
  ) {
    // Names only, never the body: a 422 on a ConfigMap can echo a secret value back.
    super(`${what}: HTTP ${code}${status?.reason ? ` ${status.reason}` : ''}`);
    this.name = 'KubeApiError';
  }
}

export type PatchType = 'apply' | 'strategic' | 'merge' | 'json';

export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  apply: 'application/apply-patch+yaml',
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
};

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Serialised with JSON.stringify, as is: no model in between. */
  body?: unknown;
  contentType?: string;
  /** The answer is plain text (pods/log), returned as a string instead of parsed as JSON. */
  text?: boolean;
  /** For error messages: what was attempted, e.g. `patch deployment kafka/broker`. */
  what: string;
  /** Ends the request before its timeout: its caller no longer wants the answer (a watch being stopped). */
  signal?: AbortSignal;
}

/** The API server did not answer like one (a redirect, HTML from a proxy): what happened, with no body. */
export class KubeProtocolError extends Error {}

export { KubeCredentialsError } from './kubeconfig.js';

/** Bounds the size of an answer we buffer: a list page of 500 large pods is a few MB. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Receive buffers kept between requests: how many, and up to what size (a page of 500 pods with managed fields is a few MB). */
const KEPT_BUFFERS = 4;
const KEPT_BUFFER_BYTES = 16 * 1024 * 1024;
/** Bounds a watch's one event (a pod with managed fields is tens of KB) and a refusal's Status. */
const MAX_EVENT_BYTES = 16 * 1024 * 1024;

export class KubeHttp {
  readonly server: string;
  private agent: Promise<HttpAgent> | undefined;
  private readonly buffers = new ReceiveBuffers();

  constructor(
    private readonly access: KubeAccess,
    private readonly timeoutMs: number,
    private readonly metrics: Metrics = NO_METRICS,
  ) {
    this.server = access.server;
  }

  /**
   * One request, credentials included, bounded by one deadline; the parsed JSON answer. An HTTP error is a
   * KubeApiError; anything but a 2xx JSON answer is a KubeProtocolError. Counted by operation (verb and
   * resource, never a name) and outcome, with its latency.
   */
  request<T>(req: KubeRequest): Promise<T> {
    return this.measured(req, (bytes, status) => {
      if (req.text === true) return bytes.toString('utf8') as T;
      if (bytes.length === 0) return undefined as T;
      try {
        return JSON.parse(bytes.toString('utf8')) as T;
      } catch {
        throw new KubeProtocolError(`${req.what}: the API answered HTTP ${status} with a body that is not JSON`);
      }
    });
  }

  /**
   * A GET of one list page, like `request`, its items handed to `onItem` one by one as each is parsed
   * (kube-list-page.ts): a page of 500 pods is never one string nor one object graph. The page's other
   * members (metadata with the continue token) are returned.
   */
  list(req: KubeRequest, onItem: (item: unknown) => void): Promise<ListEnvelope> {
    return this.measured(req, (bytes) => {
      try {
        return readListPage(bytes, onItem);
      } catch (error) {
        if (!(error instanceof NotJson)) throw error;
        throw new KubeProtocolError(
          `${req.what}: the API answered with a body that is not a JSON list (${error.message})`,
        );
      }
    });
  }

  private async measured<T>(req: KubeRequest, read: (bytes: Buffer, status: number) => T): Promise<T> {
    const started = process.hrtime.bigint();
    const operation = kubeOperation(req.method, req.path, req.query);
    try {
      const answer = await this.exchange(req, read);
      this.metrics.request('kubernetes', operation, 'ok', secondsSince(started));
      return answer;
    } catch (error) {
      this.metrics.request('kubernetes', operation, kubeOutcome(error), secondsSince(started));
      throw error;
    }
  }

  /** Sends `req` and hands a 2xx answer's bytes to `read`; they are valid only during that call (the buffer is reused). */
  private async exchange<T>(req: KubeRequest, read: (bytes: Buffer, status: number) => T): Promise<T> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const url = this.urlOf(req);
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const options = await this.authorized(this.options(req.method, body, req.contentType, req.text === true), signal);
    // A kept-alive connection the server closed while it sat idle resets the request sent on it before the
    // server read a byte of it (Node's documented keep-alive race): sent again once, on a new connection.
    const into = this.buffers.take();
    const response = await send(url, { ...options, signal }, body, into).catch((error: unknown) => {
      if (!(error instanceof IdleConnectionClosed)) throw error;
      return send(url, { ...options, signal }, body, into);
    });
    try {
      const bytes = response.body.bytes();
      if (response.status >= 400)
        throw new KubeApiError(response.status, parseStatus(bytes.toString('utf8')), req.what);
      if (response.status < 200 || response.status >= 300)
        throw new KubeProtocolError(`${req.what}: the API answered HTTP ${response.status}`);
      return read(bytes, response.status);
    } finally {
      this.buffers.give(response.body);
    }
  }

  /**
   * A watch of a collection: a streaming GET (`watch=1`) whose answer is one JSON event a line
   * (`{"type": "ADDED", "object": {...}}`), each handed to `onEvent` as it arrives. Resolves when the server
   * ends the stream (its `timeoutSeconds`); rejects like `request` on an HTTP error, with a
   * KubeProtocolError on a line that is not JSON. Credentials and the answer's headers are bounded by the
   * request timeout, the stream by the server's timeout and `signal` (which ends it, rejecting).
   */
  async watch(req: KubeRequest, onEvent: (type: string, object: unknown) => void, signal: AbortSignal): Promise<void> {
    const started = process.hrtime.bigint();
    const operation = kubeOperation(req.method, req.path, { ...req.query, watch: true });
    try {
      const connecting = AbortSignal.timeout(this.timeoutMs);
      const options = await this.authorized(
        this.options('GET', undefined, undefined),
        AbortSignal.any([signal, connecting]),
      );
      const url = this.urlOf({ ...req, query: { ...req.query, watch: 1 } });
      await stream(url, { ...options, signal }, this.timeoutMs, req.what, onEvent);
      this.metrics.request('kubernetes', operation, 'ok', secondsSince(started));
    } catch (error) {
      this.metrics.request('kubernetes', operation, kubeOutcome(error), secondsSince(started));
      throw error;
    }
  }

  private urlOf(req: Pick<KubeRequest, 'path' | 'query'>): URL {
    const url = new URL(this.server);
    url.pathname = `${url.pathname.replace(/\/$/, '')}${req.path}`;
    for (const [key, value] of Object.entries(req.query ?? {}))
      if (value !== undefined) url.searchParams.set(key, String(value));
    return url;
  }

  /** The request's options once its credentials are in, within `signal`; a failure says what failed in our words, never a plugin's. */
  private authorized(options: Promise<RequestOptions>, signal: AbortSignal): Promise<RequestOptions> {
    return untilAborted(options, signal).catch((error: unknown) => {
      if (signal.aborted) throw error;
      const why = error instanceof KubeCredentialsError ? `: ${error.message}` : '';
      throw new KubeCredentialsError(
        `the credentials of kubeconfig user "${this.access.userName}" could not be obtained${why}`,
      );
    });
  }

  /**
   * Credentials and TLS from the kubeconfig, asked for on every request: tokens, exec plugins' client
   * certificates and in-cluster CA files rotate. TLS settings travel with each request (the agent pools
   * connections by them), so a rotated certificate is used at once.
   */
  private async options(
    method: string,
    body: string | undefined,
    contentType: string | undefined,
    text = false,
  ): Promise<RequestOptions> {
    const { headers, tls } = await this.access.credentials(this.timeoutMs);
    return {
      method,
      headers: {
        Accept: text ? 'text/plain, */*' : 'application/json',
        'User-Agent': 'carbon-ops',
        ...headers,
        ...(body !== undefined
          ? { 'Content-Type': contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body) }
          : {}),
      },
      ...tls,
      agent: await (this.agent ??= agentFor(this.server, this.access.proxyUrl)),
    };
  }

  close(): void {
    void this.agent?.then((agent) => agent.destroy());
  }
}

/**
 * The connection pool, kept alive: direct, or through the cluster's proxy-url (an HTTP CONNECT or SOCKS
 * proxy, as kubectl). The proxy libraries are loaded only for a kubeconfig that names a proxy.
 */
async function agentFor(server: string, proxyUrl: string | undefined): Promise<HttpAgent> {
  const https = server.startsWith('https:');
  if (proxyUrl === undefined) return https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  if (proxyUrl.startsWith('socks')) {
    const { SocksProxyAgent } = await import('socks-proxy-agent');
    return new SocksProxyAgent(proxyUrl, { keepAlive: true });
  }
  const { HttpProxyAgent, HttpsProxyAgent } = await import('hpagent');
  return https
    ? new HttpsProxyAgent({ proxy: proxyUrl, keepAlive: true })
    : new HttpProxyAgent({ proxy: proxyUrl, keepAlive: true });
}

/**
 * A bounded name for a request: its verb and the resource (with subresource) from the path, e.g.
 * `patch deployments/scale`, `list pods`; namespaces and object names are left out.
 */
export function kubeOperation(method: string, path: string, query?: KubeRequest['query']): string {
  const parts = path
    .split('?')[0]!
    .split('/')
    .filter((p) => p !== '');
  // /api/v1/… or /apis/group/version/…; discovery (/api, /apis, /version) is named by its first part.
  const rest = parts[0] === 'api' ? parts.slice(2) : parts[0] === 'apis' ? parts.slice(3) : parts.slice(0, 0);
  if (rest.length === 0) {
    const top = parts[0] === 'api' || parts[0] === 'apis' ? 'discovery' : (parts[0] ?? 'root');
    return `${method.toLowerCase()} ${/^[a-z]{1,20}$/.test(top) ? top : 'other'}`;
  }
  const scoped = rest[0] === 'namespaces' && rest.length > 2 ? rest.slice(2) : rest;
  const resource = /^[a-z0-9.-]{1,63}$/.test(scoped[0] ?? '') ? scoped[0]! : 'other';
  const sub = scoped.length > 2 && /^[a-z]{1,20}$/.test(scoped[2]!) ? `/${scoped[2]}` : '';
  const verb =
    method === 'GET' ? (scoped.length === 1 ? (query?.watch ? 'watch' : 'list') : 'get') : method.toLowerCase();
  return `${verb} ${resource}${sub}`;
}

/** ok, error (the API answered with an error), timeout, or unreachable (no answer at all). */
function kubeOutcome(error: unknown): CallOutcome {
  if (error instanceof KubeApiError || error instanceof KubeProtocolError) return 'error';
  const name = (error as { name?: unknown }).name;
  return name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'unreachable';
}

/** `promise`, or the abort's reason once `signal` fires (what it was doing goes on, unheeded). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason as Error);
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

function send(
  url: URL,
  options: RequestOptions,
  body: string | undefined,
  into: ReceiveBuffer,
): Promise<{ status: number; body: ReceiveBuffer }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res: IncomingMessage) => {
      into.clear();
      res.on('data', (chunk: Buffer) => {
        if (into.length + chunk.length > MAX_RESPONSE_BYTES)
          res.destroy(new KubeProtocolError(`the answer is larger than ${MAX_RESPONSE_BYTES} bytes`));
        else into.append(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: into }));
      res.on('error', reject);
    });
    request.on('error', (error: NodeJS.ErrnoException) =>
      reject(request.reusedSocket && error.code === 'ECONNRESET' ? new IdleConnectionClosed(error.message) : error),
    );
    request.end(body);
  });
}

/**
 * A watch's answer, line by line: each line one event, parsed and handed on in order. An HTTP error is a
 * KubeApiError with the server's Status; no answer within `timeoutMs` is a TimeoutError; the connection
 * dropped mid-stream is an ECONNRESET.
 */
function stream(
  url: URL,
  options: RequestOptions & { signal: AbortSignal },
  timeoutMs: number,
  what: string,
  onEvent: (type: string, object: unknown) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res: IncomingMessage) => {
      clearTimeout(unanswered);
      res.setEncoding('utf8');
      const status = res.statusCode ?? 0;
      let pending = '';
      res.on('data', (chunk: string) => {
        pending += chunk;
        if (pending.length > MAX_EVENT_BYTES)
          return void res.destroy(new KubeProtocolError(`${what}: an event is larger than ${MAX_EVENT_BYTES} bytes`));
        if (status < 200 || status >= 300) return;
        let newline: number;
        while ((newline = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, newline).trim();
          pending = pending.slice(newline + 1);
          if (line === '') continue;
          let event: { type?: unknown; object?: unknown };
          try {
            event = JSON.parse(line) as typeof event;
          } catch {
            return void res.destroy(new KubeProtocolError(`${what}: the API sent a watch event that is not JSON`));
          }
          onEvent(typeof event.type === 'string' ? event.type : '', event.object);
        }
      });
      res.on('end', () => {
        if (status >= 400) reject(new KubeApiError(status, parseStatus(pending), what));
        else if (status < 200 || status >= 300)
          reject(new KubeProtocolError(`${what}: the API answered HTTP ${status}`));
        else resolve();
      });
      res.on('error', reject);
      res.on('close', () => {
        if (!res.complete) reject(Object.assign(new Error('the watch connection was closed'), { code: 'ECONNRESET' }));
      });
    });
    const unanswered = setTimeout(
      () => request.destroy(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')),
      timeoutMs,
    );
    request.on('error', (error) => {
      clearTimeout(unanswered);
      reject(error);
    });
    request.end();
  });
}

/**
 * An answer's bytes, copied into one buffer that grows as needed and is used again for the next answer:
 * a listing of 20 pages allocates its page-sized buffer once, not 20 times (Buffers are freed only when V8
 * collects their owners, so fresh ones per page add up to the whole listing before a collection).
 */
class ReceiveBuffer {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  length = 0;

  clear(): void {
    this.length = 0;
  }

  append(chunk: Buffer): void {
    if (this.length + chunk.length > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + chunk.length));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    chunk.copy(this.buffer, this.length);
    this.length += chunk.length;
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  get capacity(): number {
    return this.buffer.length;
  }
}

/** The receive buffers not in use: one per request in flight at once (a report lists two kinds together). */
class ReceiveBuffers {
  private readonly free: ReceiveBuffer[] = [];

  take(): ReceiveBuffer {
    return this.free.pop() ?? new ReceiveBuffer();
  }

  /** Kept for the next answer unless unusually large (one huge answer should not pin its size for good). */
  give(buffer: ReceiveBuffer): void {
    buffer.clear();
    if (buffer.capacity <= KEPT_BUFFER_BYTES && this.free.length < KEPT_BUFFERS) this.free.push(buffer);
  }
}

/** A request reset on a reused keep-alive socket before any answer: the server had closed it as idle. */
class IdleConnectionClosed extends Error {
  readonly code = 'ECONNRESET';
}

function parseStatus(text: string): KubeStatus | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed !== null && typeof parsed === 'object' ? (parsed as KubeStatus) : undefined;
  } catch {
    return undefined;
  }
}
