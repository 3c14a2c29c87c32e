import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import { NO_METRICS, secondsSince, type Metrics } from '../contracts/metrics.js';

/**
 * The bot's thin, typed client for Vault's KV version 2 engine, on node:http(s).
 *
 * Why not node-vault: it speaks KV v1 paths (KV v2 needs `/data/` and `{data, options}` written by hand anyway), its
 * `health()` resolves on a sealed Vault, and it disables TLS checks when VAULT_SKIP_VERIFY has any value, even
 * "false". The handful of documented endpoints used here are simpler to get right directly.
 *
 * Secrets discipline: no error message, and nothing attached to an error, contains a secret value, the token or the
 * service-account JWT. Server error strings are passed through a redaction of every sensitive string the call knew.
 */

export interface VaultClientOptions {
  /** VAULT_ADDR, e.g. https://vault.vault.svc:8200 */
  addr: string;
  /** A static token (VAULT_TOKEN). With kubernetesAuth as well, it is used first and a login replaces it on a 403. */
  token?: string;
  /** Kubernetes auth: the JWT file is read at each login, because projected service-account tokens rotate. */
  kubernetesAuth?: { role: string; jwtPath: string; mountPath?: string };
  /** Already parsed strictly by config; only `true` can ever ask for unverified TLS. */
  skipVerify: boolean;
  /** Upper bound for each HTTP request, including reading its body. */
  timeoutMs: number;
  /** Counts every HTTP exchange by operation (its verb: kvRead, login, …) and outcome; none when absent. */
  metrics?: Metrics;
}

export type VaultErrorKind =
  | 'CasMismatch'
  | 'PermissionDenied'
  | 'NotFound'
  | 'BadRequest'
  | 'Sealed'
  | 'Standby'
  | 'Unavailable'
  | 'Timeout'
  | 'ServerError'
  | 'BadResponse'
  | 'InvalidPath'
  | 'Config';

export class VaultError extends Error {
  override readonly name = 'VaultError';

  constructor(
    readonly kind: VaultErrorKind,
    /** What was attempted, e.g. "kvWrite secret/app/db": names only. */
    readonly operation: string,
    /** The HTTP status, when Vault answered at all. */
    readonly status: number | undefined,
    /** Vault's `errors` strings, redacted. */
    readonly errors: readonly string[],
    detail: string,
  ) {
    super(`Vault ${operation}: ${detail}`);
  }
}

export const isCasMismatch = (error: unknown): boolean => error instanceof VaultError && error.kind === 'CasMismatch';

export type VaultHealthStatus = 'active' | 'standby' | 'perf-standby' | 'dr-secondary' | 'sealed' | 'uninitialized';

/** Vault's health as data: only `ok` (status 'active') means it will serve reads and writes. */
export interface VaultHealth {
  status: VaultHealthStatus;
  ok: boolean;
  initialized: boolean;
  sealed: boolean;
  standby: boolean;
  version: string;
  clusterName: string | undefined;
}

/** The documented field names are kept (snake_case) so they can be checked against Vault's API docs. */
export interface KvVersionMetadata {
  created_time: string;
  deletion_time: string;
  destroyed: boolean;
  version: number;
  custom_metadata: Record<string, string> | null;
}

export interface KvSecret {
  /** null when this version was deleted or destroyed: the metadata still says which. */
  data: Record<string, unknown> | null;
  metadata: KvVersionMetadata;
}

export interface KvMetadata {
  current_version: number;
  oldest_version: number;
  created_time: string;
  updated_time: string;
  cas_required: boolean;
  max_versions: number;
  custom_metadata: Record<string, string> | null;
  versions: Record<string, { created_time: string; deletion_time: string; destroyed: boolean }>;
}

export interface VaultMount {
  /** Without the trailing slash, as the kv* methods take it. */
  path: string;
  type: string;
  /** options.version: '2' for KV version 2. */
  version: string | undefined;
}

export interface VaultClient {
  health(): Promise<VaultHealth>;
  /** null when nothing was ever written at the path (or all of it was removed with its metadata). */
  kvRead(mount: string, path: string, version?: number): Promise<KvSecret | null>;
  /** `cas` 0 creates only; N updates only if N is the current version. A mismatch is a VaultError 'CasMismatch'. */
  kvWrite(mount: string, path: string, data: Record<string, string>, cas: number): Promise<{ version: number }>;
  kvMetadata(mount: string, path: string): Promise<KvMetadata | null>;
  /** Names under a folder ('' is the mount's root); sub-folders end with '/'. Empty when there is nothing. */
  kvList(mount: string, path?: string): Promise<string[]>;
  mounts(): Promise<VaultMount[]>;
}

const nullableStringMap = z
  .record(z.string(), z.string())
  .nullish()
  .transform((v) => v ?? null);

const versionMetadata = z.object({
  created_time: z.string(),
  deletion_time: z.string(),
  destroyed: z.boolean(),
  version: z.number().int(),
  custom_metadata: nullableStringMap,
});

const schemas = {
  errors: z.object({ errors: z.array(z.string()) }),
  health: z.object({
    initialized: z.boolean(),
    sealed: z.boolean(),
    standby: z.boolean(),
    version: z.string(),
    cluster_name: z.string().optional(),
  }),
  read: z.object({ data: z.object({ data: z.record(z.string(), z.unknown()).nullable(), metadata: versionMetadata }) }),
  write: z.object({ data: z.object({ version: z.number().int().positive() }) }),
  metadata: z.object({
    data: z.object({
      current_version: z.number().int(),
      oldest_version: z.number().int(),
      created_time: z.string(),
      updated_time: z.string(),
      cas_required: z.boolean(),
      max_versions: z.number().int(),
      custom_metadata: nullableStringMap,
      versions: z.record(
        z.string(),
        z.object({ created_time: z.string(), deletion_time: z.string(), destroyed: z.boolean() }),
      ),
    }),
  }),
  list: z.object({ data: z.object({ keys: z.array(z.string()) }) }),
  mounts: z.object({
    data: z.record(z.string(), z.object({ type: z.string(), options: z.record(z.string(), z.string()).nullish() })),
  }),
  login: z.object({ auth: z.object({ client_token: z.string().min(1) }) }),
};

/** sys/health's documented status codes. Anything else is not a health answer. */
const HEALTH_BY_STATUS: Record<number, VaultHealthStatus> = {
  200: 'active',
  429: 'standby',
  472: 'dr-secondary',
  473: 'perf-standby',
  474: 'standby',
  501: 'uninitialized',
  503: 'sealed',
};

const CAS_MISMATCH = 'check-and-set parameter did not match the current version';

/** Strings shorter than this are not searched for: they would match everywhere and garble every message. */
const MIN_REDACTED_LENGTH = 4;

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= MIN_REDACTED_LENGTH) out = out.split(secret).join('[redacted]');
  return out;
}

interface Reply {
  status: number;
  json: unknown;
}

/**
 * Validates a mount or secret path and percent-encodes it segment by segment. Dot segments, empty segments and
 * absolute paths are refused before any request: fetch would resolve `..` itself and reach another path.
 */
function encodePath(
  operation: string,
  what: string,
  value: string,
  allow: { empty?: boolean; trailingSlash?: boolean } = {},
): string {
  const invalid = (why: string) =>
    new VaultError(
      'InvalidPath',
      operation,
      undefined,
      [],
      `invalid ${what} ${JSON.stringify(value.slice(0, 120))}: ${why}`,
    );
  if (value === '') {
    if (allow.empty) return '';
    throw invalid('empty');
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalid('control character');
  const folder = allow.trailingSlash === true && value.endsWith('/');
  const segments = (folder ? value.slice(0, -1) : value).split('/');
  if (segments.some((s) => s === '')) throw invalid('empty segment or absolute path');
  if (segments.some((s) => s === '.' || s === '..')) throw invalid("'.' or '..' segment");
  return segments.map(encodeURIComponent).join('/') + (folder ? '/' : '');
}

/** An operation's name for messages: the caller's mount and path, shortened and made printable. */
function named(verb: string, mount: string, path: string): string {
  // eslint-disable-next-line no-control-regex
  return `${verb} ${`${mount}/${path}`.slice(0, 200).replace(/[\u0000-\u001f\u007f]/g, '?')}`;
}

function classify(status: number, errors: readonly string[]): VaultErrorKind {
  if (status >= 300 && status < 400) return 'Standby'; // a standby redirecting to the active node
  if (status === 400) return errors.some((e) => e.includes(CAS_MISMATCH)) ? 'CasMismatch' : 'BadRequest';
  if (status === 403) return 'PermissionDenied';
  if (status === 404) return 'NotFound';
  if (status === 503) {
    if (errors.some((e) => /sealed/i.test(e))) return 'Sealed';
    if (errors.some((e) => /standby/i.test(e))) return 'Standby';
    return 'Unavailable';
  }
  return status >= 500 ? 'ServerError' : 'BadRequest';
}

export function createVaultClient(options: VaultClientOptions): VaultClient {
  const session = new VaultSession(options);
  return {
    health: () => health(session),
    kvRead: (mount, path, version) => kvRead(session, mount, path, version),
    kvWrite: (mount, path, data, cas) => kvWrite(session, mount, path, data, cas),
    kvMetadata: (mount, path) => kvMetadata(session, mount, path),
    kvList: (mount, path) => kvList(session, mount, path),
    mounts: () => mounts(session),
  };
}

/** The options checked before any request: the API root and the Kubernetes login path ('' without kubernetesAuth). */
function checkOptions(options: VaultClientOptions): { root: string; loginPath: string } {
  const configError = (detail: string) => new VaultError('Config', 'client setup', undefined, [], detail);
  let base: URL;
  try {
    base = new URL(options.addr);
  } catch {
    throw configError('addr is not a URL');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw configError('addr must be http:// or https://');
  // Not supported yet (it would need an https.Agent with rejectUnauthorized: false and a warning of its own):
  // refuse plainly rather than fall back to checking (surprising) or to a process-wide switch (dangerous).
  if (options.skipVerify && base.protocol === 'https:')
    throw configError('skipVerify=true is not supported yet; use a CA bundle');
  if (!Number.isInteger(options.timeoutMs) || options.timeoutMs <= 0)
    throw configError('timeoutMs must be a positive integer');
  if (options.token === undefined && options.kubernetesAuth === undefined)
    throw configError('a token or kubernetesAuth is required');
  const k8s = options.kubernetesAuth;
  const loginPath =
    k8s === undefined ? '' : `auth/${encodePath('client setup', 'mountPath', k8s.mountPath ?? 'kubernetes')}/login`;
  return { root: base.href.replace(/\/+$/, ''), loginPath };
}

/** A reply's body as `schema` says it must be, else a 'BadResponse' VaultError. */
function parseOk<T>(operation: string, schema: z.ZodType<T>, reply: Reply): T {
  const parsed = schema.safeParse(reply.json);
  if (parsed.success) return parsed.data;
  // The issue path names the offending field; the issue message is left out in case it quotes a value.
  const where = parsed.error.issues[0]?.path.join('.') ?? '';
  throw new VaultError(
    'BadResponse',
    operation,
    reply.status,
    [],
    `unexpected response shape${where === '' ? '' : ` at ${where}`}`,
  );
}

/**
 * The connection to one Vault: HTTP exchanges with it, and the token they carry, renewed (static token)
 * or replaced by a Kubernetes login when Vault refuses it. Knows every sensitive string, so it builds the
 * errors from Vault's answers.
 */
class VaultSession {
  private readonly root: string;
  private readonly loginPath: string;
  private token: string | undefined;
  private jwt: string | undefined;
  private reauth: Promise<void> | undefined;
  private readonly transport: typeof http | typeof https;
  private readonly agent: http.Agent;

  constructor(private readonly options: VaultClientOptions) {
    const { root, loginPath } = checkOptions(options);
    this.root = root;
    this.loginPath = loginPath;
    this.token = options.token;
    const secure = root.startsWith('https:');
    this.transport = secure ? https : http;
    // Connections kept between requests, as fetch's; idle ones do not hold the process open, and are closed by this
    // side after 4 s, before a server's usual 5 s keep-alive timeout can close one under a request.
    const agent = { keepAlive: true, timeout: 4_000 };
    this.agent = secure ? new https.Agent(agent) : new http.Agent(agent);
  }

  /** The VaultError for a reply that is not the expected one, redacted of the token, the JWT and `secrets`. */
  failure(operation: string, reply: Reply, secrets: readonly string[] = []): VaultError {
    const sensitive = [this.token, this.jwt, ...secrets].filter((s): s is string => s !== undefined);
    const parsed = schemas.errors.safeParse(reply.json);
    const errors = (parsed.success ? parsed.data.errors : []).map((e) => redact(e, sensitive).slice(0, 500));
    const kind = classify(reply.status, errors);
    const detail =
      kind === 'Standby' && reply.status < 400
        ? 'redirected to another node (not followed)'
        : errors.join('; ') || 'no error text';
    return new VaultError(kind, operation, reply.status, errors, `${reply.status} ${detail}`);
  }

  /**
   * One HTTP exchange, counted by the operation's verb (`kvRead`, never its path) and outcome: ok for a
   * 2xx or 404, error for any other answer, timeout or unreachable for none.
   */
  async exchange(
    operation: string,
    method: string,
    apiPath: string,
    auth: string | undefined,
    body?: unknown,
  ): Promise<Reply> {
    const metrics = this.options.metrics ?? NO_METRICS;
    const verb = operation.split(' ')[0]!;
    const started = process.hrtime.bigint();
    try {
      const reply = await this.send(operation, method, apiPath, auth, body);
      // A 404 is an answer (nothing at that path: kvRead's null), not a failure of Vault.
      const answered = reply.status < 300 || reply.status === 404;
      metrics.request('vault', verb, answered ? 'ok' : 'error', secondsSince(started));
      return reply;
    } catch (error) {
      const outcome = error instanceof VaultError && error.kind === 'Timeout' ? 'timeout' : 'unreachable';
      metrics.request('vault', verb, outcome, secondsSince(started));
      throw error;
    }
  }

  /**
   * One HTTP exchange on node:http(s) with keep-alive, bounded by timeoutMs (the body's read included; a resend
   * after a reset, below, gets its own).
   * Redirects are never followed (node:http does not): they would carry the token elsewhere. Not fetch: its
   * web streams cost twice the CPU a request (bench/vault-migrate.ts, docs/benchmarks.md).
   */
  private send(
    operation: string,
    method: string,
    apiPath: string,
    auth: string | undefined,
    body?: unknown,
    retried = false,
  ): Promise<Reply> {
    const { timeoutMs } = this.options;
    const headers: Record<string, string | number> = { 'X-Vault-Request': 'true' };
    if (auth !== undefined) headers['X-Vault-Token'] = auth;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = payload.length;
    }
    return new Promise<Reply>((resolve, reject) => {
      let timedOut = false;
      let answered = false;
      const request = this.transport.request(
        `${this.root}/v1/${apiPath}`,
        { method, headers, agent: this.agent },
        (response) => {
          answered = true;
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', fail);
          response.on('end', () => {
            clearTimeout(timer);
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text === '' ? undefined : JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: response.statusCode ?? 0, json });
          });
        },
      );
      const timer = setTimeout(() => {
        timedOut = true;
        request.destroy();
      }, timeoutMs);
      const fail = (error: unknown) => {
        clearTimeout(timer);
        const code = (error as { code?: unknown }).code;
        // A kept-alive connection reset before any answer: usually the server closed it idle as this request went
        // out, so it is sent once more on a new connection (Node's documented pattern), with a fresh timeoutMs:
        // one call takes at most twice timeoutMs. The server may have applied it first: the only writes here are
        // logins, renewals (harmless twice) and check-and-set writes, whose callers take a refusal holding their
        // own value as theirs (src/features/vault/vault-migrate-run.ts, fingerprint.ts).
        if (!timedOut && !answered && !retried && request.reusedSocket && code === 'ECONNRESET') {
          this.send(operation, method, apiPath, auth, body, true).then(resolve, reject);
          return;
        }
        if (timedOut) {
          reject(new VaultError('Timeout', operation, undefined, [], `no answer within ${timeoutMs} ms`));
          return;
        }
        reject(
          new VaultError(
            'Unavailable',
            operation,
            undefined,
            [],
            `unreachable${typeof code === 'string' ? ` (${code})` : ''}`,
          ),
        );
      };
      request.on('error', fail);
      request.end(payload);
    });
  }

  /**
   * An authenticated call. A 403 (Vault says the same for an expired, revoked or unknown token) triggers exactly one
   * renewal or re-login and exactly one retry; a second 403, or a failed re-login, is the caller's error.
   */
  async call(operation: string, method: string, apiPath: string, body?: unknown): Promise<Reply> {
    if (this.token === undefined) await this.reauthenticate(undefined);
    const used = this.token;
    const first = await this.exchange(operation, method, apiPath, used, body);
    if (first.status !== 403) return first;
    await this.reauthenticate(used);
    return this.exchange(operation, method, apiPath, this.token, body);
  }

  /** Single-flight: concurrent 403s share one login; a 403 on a token already replaced just retries. */
  private reauthenticate(stale: string | undefined): Promise<void> {
    if (this.token !== stale) return Promise.resolve();
    const k8s = this.options.kubernetesAuth;
    this.reauth ??= (k8s === undefined ? this.renewSelf() : this.login(k8s)).finally(() => {
      this.reauth = undefined;
    });
    return this.reauth;
  }

  private async login(auth: NonNullable<VaultClientOptions['kubernetesAuth']>): Promise<void> {
    const operation = `login ${this.loginPath}`;
    try {
      this.jwt = (await readFile(auth.jwtPath, 'utf8')).trim();
    } catch (error) {
      throw new VaultError(
        'Config',
        operation,
        undefined,
        [],
        `cannot read the service-account JWT file (${(error as { code?: string }).code ?? 'error'})`,
      );
    }
    const reply = await this.exchange(operation, 'POST', this.loginPath, undefined, { role: auth.role, jwt: this.jwt });
    if (reply.status !== 200) throw this.failure(operation, reply);
    this.token = parseOk(operation, schemas.login, reply).auth.client_token;
  }

  private async renewSelf(): Promise<void> {
    const operation = 'renew-self';
    const reply = await this.exchange(operation, 'POST', 'auth/token/renew-self', this.token, {});
    if (reply.status !== 200) throw this.failure(operation, reply);
  }
}

async function health(session: VaultSession): Promise<VaultHealth> {
  const operation = 'health';
  const reply = await session.exchange(operation, 'GET', 'sys/health', undefined);
  const status = HEALTH_BY_STATUS[reply.status];
  if (status === undefined) throw session.failure(operation, reply);
  const body = parseOk(operation, schemas.health, reply);
  return {
    status,
    ok: status === 'active',
    initialized: body.initialized,
    sealed: body.sealed,
    standby: body.standby,
    version: body.version,
    clusterName: body.cluster_name,
  };
}

async function kvRead(session: VaultSession, mount: string, path: string, version?: number): Promise<KvSecret | null> {
  const operation = named('kvRead', mount, path);
  if (version !== undefined && (!Number.isInteger(version) || version < 1))
    throw new VaultError('BadRequest', operation, undefined, [], 'version must be a positive integer');
  const query = version === undefined ? '' : `?version=${version}`;
  const reply = await session.call(
    operation,
    'GET',
    `${encodePath(operation, 'mount', mount)}/data/${encodePath(operation, 'path', path)}${query}`,
  );
  if (reply.status === 200) return parseOk(operation, schemas.read, reply).data;
  if (reply.status === 404) {
    // A deleted or destroyed version is a 404 that still carries its metadata; a plain 404 has none.
    const deleted = schemas.read.safeParse(reply.json);
    return deleted.success ? deleted.data.data : null;
  }
  throw session.failure(operation, reply);
}

async function kvWrite(
  session: VaultSession,
  mount: string,
  path: string,
  data: Record<string, string>,
  cas: number,
): Promise<{ version: number }> {
  const operation = named('kvWrite', mount, path);
  if (!Number.isInteger(cas) || cas < 0)
    throw new VaultError('BadRequest', operation, undefined, [], 'cas must be an integer >= 0');
  const bad = Object.keys(data).find((key) => typeof data[key] !== 'string');
  if (bad !== undefined)
    throw new VaultError('BadRequest', operation, undefined, [], `the value of ${JSON.stringify(bad)} is not a string`);
  const apiPath = `${encodePath(operation, 'mount', mount)}/data/${encodePath(operation, 'path', path)}`;
  const values = Object.values(data);
  const reply = await session.call(operation, 'POST', apiPath, { data, options: { cas } });
  if (reply.status !== 200) throw session.failure(operation, reply, values);
  return { version: parseOk(operation, schemas.write, reply).data.version };
}

async function kvMetadata(session: VaultSession, mount: string, path: string): Promise<KvMetadata | null> {
  const operation = named('kvMetadata', mount, path);
  const reply = await session.call(
    operation,
    'GET',
    `${encodePath(operation, 'mount', mount)}/metadata/${encodePath(operation, 'path', path)}`,
  );
  if (reply.status === 404) return null;
  if (reply.status !== 200) throw session.failure(operation, reply);
  return parseOk(operation, schemas.metadata, reply).data;
}

async function kvList(session: VaultSession, mount: string, path = ''): Promise<string[]> {
  const operation = named('kvList', mount, path);
  const folder = encodePath(operation, 'path', path, { empty: true, trailingSlash: true });
  // GET ?list=true rather than the LIST verb, as Vault's own Go client does: proxies may refuse unknown methods.
  const reply = await session.call(
    operation,
    'GET',
    `${encodePath(operation, 'mount', mount)}/metadata/${folder}?list=true`,
  );
  if (reply.status === 404) return [];
  if (reply.status !== 200) throw session.failure(operation, reply);
  return parseOk(operation, schemas.list, reply).data.keys;
}

async function mounts(session: VaultSession): Promise<VaultMount[]> {
  const operation = 'mounts';
  const reply = await session.call(operation, 'GET', 'sys/mounts');
  if (reply.status !== 200) throw session.failure(operation, reply);
  const table = parseOk(operation, schemas.mounts, reply).data;
  return Object.entries(table).map(([path, entry]) => ({
    path: path.replace(/\/$/, ''),
    type: entry.type,
    version: entry.options?.version,
  }));
}
