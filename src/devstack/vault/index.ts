import { randomUUID } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ApiResponse, fail } from './api.js';
import { type RawRequest, parse, pathOf, rawListRequest, readBody, send, sendOnSocket, tooLarge } from './http.js';
import { KvV2Mount } from './kv2.js';
import { type VaultCore, route } from './router.js';
import { type VaultState, mountTable } from './sys.js';
import { type KubernetesRole, TokenStore } from './tokens.js';

export type { KubernetesRole } from './tokens.js';
export type { VaultState } from './sys.js';

export interface VaultStandinOptions {
  /** 0 (the default) picks a free port; stop() and start() keep whichever port was used first. */
  port?: number;
  /** Default 'root', like `vault server -dev`. */
  rootToken?: string;
  /** KV version 2 mounts; default ['secret']. */
  mounts?: string[];
  /** Roles for `POST /v1/auth/kubernetes/login`, by name. */
  kubernetesRoles?: Record<string, KubernetesRole>;
}

/** What the request log keeps: never a query string, a header or a body, so it cannot hold a secret value. */
export interface RecordedRequest {
  method: string;
  path: string;
}

export interface VaultStandin {
  /** For VAULT_ADDR; stable across stop() and start(). */
  readonly url: string;
  readonly rootToken: string;
  readonly state: Readonly<VaultState>;
  readonly requests: readonly RecordedRequest[];
  setSealed(sealed: boolean): void;
  setStandby(standby: boolean): void;
  setInitialized(initialized: boolean): void;
  /** A renewable token with the given TTL (fractions of a second allowed) and the 'default' policy. */
  issueToken(ttlSec: number, policies?: string[]): string;
  /** Vault goes away: the port stops answering, open connections are cut, the data is kept. */
  stop(): Promise<void>;
  /** Vault comes back on the same port with the data it had. */
  start(): Promise<void>;
  /** Stops for good and forgets every value. */
  close(): Promise<void>;
}

const RESERVED_MOUNTS = new Set(['auth', 'sys', 'cubbyhole', 'identity']);

function checkMount(mount: string): string {
  const segments = mount.split('/');
  if (
    segments.some((s) => !/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(s) || s === '..') ||
    RESERVED_MOUNTS.has(segments[0] ?? '')
  ) {
    throw new Error(`Vault stand-in: invalid KV mount ${JSON.stringify(mount)}`);
  }
  return mount;
}

/** Starts an in-memory Vault stand-in on 127.0.0.1 (never on other interfaces: it holds secrets). */
export async function startVaultStandin(options: VaultStandinOptions = {}): Promise<VaultStandin> {
  const rootToken = options.rootToken ?? 'root';
  const kvMounts = (options.mounts ?? ['secret']).map(checkMount);
  const kv = new Map(kvMounts.map((m) => [m, new KvV2Mount()]));
  const state: VaultState = { sealed: false, initialized: true, standby: false, version: '1.19.0' };
  const core: VaultCore = {
    state,
    cluster: { name: 'vault-cluster-standin', id: randomUUID() },
    tokens: new TokenStore(rootToken),
    kv,
    mountTable: mountTable(kvMounts),
    kubernetesRoles: { ...options.kubernetesRoles },
  };
  const requests: RecordedRequest[] = [];

  const record = (method: string, target: string): void => {
    requests.push({ method, path: pathOf(target) });
  };

  const serve = (raw: RawRequest): ApiResponse => {
    const parsed = parse(raw);
    if ('status' in parsed) return parsed;
    try {
      return route(core, parsed);
    } catch {
      return fail(500, 'internal error');
    }
  };

  const newServer = (): Server => {
    const server = createServer((req, res) => {
      const method = req.method ?? 'GET';
      const target = req.url ?? '/';
      record(method, target);
      const header = (name: string) => req.headers[name] as string | undefined;
      readBody(req).then(
        (body) => send(res, body === undefined ? tooLarge() : serve({ method, target, header, body }), method),
        () => res.destroy(),
      );
    });
    server.on('clientError', (error: Error & { code?: string; rawPacket?: Buffer }, socket) => {
      const list = error.code === 'HPE_INVALID_METHOD' ? rawListRequest(error.rawPacket) : undefined;
      if (!socket.writable) {
        socket.destroy();
      } else if (list === undefined) {
        sendOnSocket(socket, fail(400), 'GET');
      } else {
        record(list.method, list.target);
        sendOnSocket(socket, serve(list), list.method);
      }
    });
    return server;
  };

  let server: Server | undefined;
  let port = options.port ?? 0;
  let closed = false;

  const start = async (): Promise<void> => {
    if (closed) throw new Error('Vault stand-in is closed');
    if (server !== undefined) return;
    const next = newServer();
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };

  const stop = async (): Promise<void> => {
    const current = server;
    if (current === undefined) return;
    server = undefined;
    const done = new Promise<void>((resolve) => current.close(() => resolve()));
    current.closeAllConnections();
    await done;
  };

  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    rootToken,
    state,
    requests,
    setSealed(sealed) {
      state.sealed = sealed;
    },
    setStandby(standby) {
      state.standby = standby;
    },
    setInitialized(initialized) {
      state.initialized = initialized;
    },
    issueToken: (ttlSec, policies = []) =>
      core.tokens.issue({
        ttlSec,
        policies: [...new Set(['default', ...policies])],
        displayName: 'token',
        path: 'auth/token/create',
        meta: null,
      }).id,
    start,
    stop,
    close: async () => {
      await stop();
      closed = true;
      for (const mount of kv.values()) mount.wipe();
    },
  };
}
