import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type Server, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type VaultStandin, startVaultStandin } from '../../src/devstack/vault/index.js';
import { type VaultClient, VaultError, createVaultClient, isCasMismatch } from '../../src/integrations/vault.js';
import { PromMetrics } from '../../src/integrations/metrics.js';
import { REQUEST_TIMEOUT_MS } from '../support/until.js';

const CAS_MISMATCH = 'check-and-set parameter did not match the current version';
const SA_JWT = 'eyJhbGciOiJSUzI1NiJ9.carbon-ops-service-account.signature';

interface Raw {
  status: number;
  json: unknown;
}

/** A request through fetch, as any client would send it. */
async function api(
  vault: VaultStandin,
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown } = {},
): Promise<Raw> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? vault.rootToken : options.token;
  if (token !== null) headers['X-Vault-Token'] = token;
  const response = await fetch(`${vault.url}${path}`, {
    method,
    headers,
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
}

/** A request through node:http, which sends the path byte for byte (fetch would resolve `..` before sending). */
function rawPath(vault: VaultStandin, method: string, path: string): Promise<Raw> {
  const { port } = new URL(vault.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: { 'X-Vault-Token': vault.rootToken } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text === '' ? undefined : JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const rootClient = (vault: VaultStandin, token = vault.rootToken): VaultClient =>
  createVaultClient({ addr: vault.url, token, skipVerify: false, timeoutMs: REQUEST_TIMEOUT_MS });

async function caught(promise: Promise<unknown>): Promise<VaultError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof VaultError) return error;
    throw error;
  }
  throw new Error('expected a VaultError');
}

/** The requests the stand-in saw since `from`, as "METHOD /path" lines. */
const since = (vault: VaultStandin, from: number): string[] =>
  vault.requests.slice(from).map((r) => `${r.method} ${r.path}`);

describe('Vault stand-in: KV v2', () => {
  let vault: VaultStandin;
  let client: VaultClient;
  beforeEach(async () => {
    vault = await startVaultStandin();
    client = rootClient(vault);
  });
  afterEach(() => vault.close());

  it('writes versions with check-and-set and reads any of them', async () => {
    expect(await client.kvWrite('secret', 'app/db', { password: 'one' }, 0)).toEqual({ version: 1 });
    expect(await client.kvWrite('secret', 'app/db', { password: 'two' }, 1)).toEqual({ version: 2 });

    const latest = await client.kvRead('secret', 'app/db');
    expect(latest?.data).toEqual({ password: 'two' });
    expect(latest?.metadata).toMatchObject({ version: 2, deletion_time: '', destroyed: false, custom_metadata: null });
    expect((await client.kvRead('secret', 'app/db', 1))?.data).toEqual({ password: 'one' });
    expect(await client.kvRead('secret', 'app/none')).toBeNull();

    const stale = await caught(client.kvWrite('secret', 'app/db', { password: 'three' }, 1));
    expect(stale).toMatchObject({ kind: 'CasMismatch', status: 400, errors: [CAS_MISMATCH] });
    expect(isCasMismatch(stale)).toBe(true);
    const createOnly = await caught(client.kvWrite('secret', 'app/db', { password: 'three' }, 0));
    expect(createOnly.kind).toBe('CasMismatch');
    expect((await client.kvRead('secret', 'app/db'))?.data).toEqual({ password: 'two' });
  });

  it('counts every exchange by operation and outcome, never by path (carbon_vault_request_duration_seconds)', async () => {
    const metrics = new PromMetrics();
    const counted = createVaultClient({
      addr: vault.url,
      token: vault.rootToken,
      skipVerify: false,
      timeoutMs: REQUEST_TIMEOUT_MS,
      metrics,
    });
    await counted.kvWrite('secret', 'team-a/db', { password: 'one' }, 0);
    expect((await caught(counted.kvWrite('secret', 'team-a/db', { password: 'two' }, 0))).kind).toBe('CasMismatch');
    expect(await counted.kvRead('secret', 'team-a/none')).toBeNull();
    const body = (await metrics.exposition()).body;
    const count = (labels: string) =>
      new RegExp(`^carbon_vault_request_duration_seconds_count\\{${labels}\\} (\\d+)$`, 'm').exec(body)?.[1];
    expect(count('operation="kvWrite",outcome="ok"')).toBe('1');
    expect(count('operation="kvWrite",outcome="error"')).toBe('1');
    expect(count('operation="kvRead",outcome="ok"')).toBe('1');
    expect(body).not.toContain('team-a');
  });

  it('answers with the documented shapes', async () => {
    const write = await api(vault, 'POST', '/v1/secret/data/shape', {
      body: { data: { k: 'v' }, options: { cas: 0 } },
    });
    expect(write.status).toBe(200);
    expect(write.json).toMatchObject({
      data: { deletion_time: '', destroyed: false, version: 1, custom_metadata: null },
    });
    expect((write.json as { data: { created_time: string } }).data.created_time).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);

    const put = await api(vault, 'PUT', '/v1/secret/data/shape', { body: { data: { k: 'w' } } });
    expect(put.json).toMatchObject({ data: { version: 2 } });

    const read = await api(vault, 'GET', '/v1/secret/data/shape?version=1');
    expect(read.json).toMatchObject({ data: { data: { k: 'v' }, metadata: { version: 1 } } });

    const missing = await api(vault, 'GET', '/v1/secret/data/nothing');
    expect(missing).toEqual({ status: 404, json: { errors: [] } });
    expect(await api(vault, 'GET', '/v1/secret/data/shape?version=9')).toEqual({ status: 404, json: { errors: [] } });

    expect(await api(vault, 'POST', '/v1/secret/data/shape', { body: { options: { cas: 2 } } })).toEqual({
      status: 400,
      json: { errors: ['no data provided'] },
    });
    expect(await api(vault, 'POST', '/v1/secret/data/folder/', { body: { data: { k: 'v' } } })).toEqual({
      status: 400,
      json: { errors: ["cannot write to a path ending in '/'"] },
    });
    expect(await api(vault, 'GET', '/v1/nomount/data/x')).toEqual({ status: 404, json: { errors: [] } });
    expect(await api(vault, 'GET', '/elsewhere')).toEqual({ status: 404, json: { errors: [] } });
  });

  it('keeps metadata for every version', async () => {
    await client.kvWrite('secret', 'meta', { a: '1' }, 0);
    await client.kvWrite('secret', 'meta', { a: '2' }, 1);
    const meta = await client.kvMetadata('secret', 'meta');
    expect(meta).toMatchObject({ current_version: 2, oldest_version: 0, cas_required: false, max_versions: 0 });
    expect(Object.keys(meta?.versions ?? {})).toEqual(['1', '2']);
    expect(meta?.versions['1']).toMatchObject({ deletion_time: '', destroyed: false });
    expect(await client.kvMetadata('secret', 'absent')).toBeNull();
  });

  it('keeps ten versions, like Vault by default', async () => {
    for (let cas = 0; cas < 12; cas += 1) await client.kvWrite('secret', 'many', { n: String(cas) }, cas);
    const meta = await client.kvMetadata('secret', 'many');
    expect(meta).toMatchObject({ current_version: 12, oldest_version: 3 });
    expect(Object.keys(meta?.versions ?? {})).toHaveLength(10);
    expect(await client.kvRead('secret', 'many', 2)).toBeNull();
  });

  it('lists folders with a trailing slash, through the client, GET ?list=true and the LIST verb', async () => {
    for (const path of ['app/db', 'app/cache', 'app/deep/x', 'other'])
      await client.kvWrite('secret', path, { v: 'x' }, 0);
    expect(await client.kvList('secret')).toEqual(['app/', 'other']);
    expect(await client.kvList('secret', 'app')).toEqual(['cache', 'db', 'deep/']);
    expect(await client.kvList('secret', 'app/')).toEqual(['cache', 'db', 'deep/']);
    expect(await client.kvList('secret', 'empty')).toEqual([]);

    expect(await api(vault, 'GET', '/v1/secret/metadata/app?list=true')).toMatchObject({
      status: 200,
      json: { data: { keys: ['cache', 'db', 'deep/'] } },
    });
    expect(await api(vault, 'LIST', '/v1/secret/metadata/app/')).toMatchObject({
      status: 200,
      json: { data: { keys: ['cache', 'db', 'deep/'] } },
    });
    expect(await api(vault, 'LIST', '/v1/secret/metadata/empty')).toEqual({ status: 404, json: { errors: [] } });
    expect(await api(vault, 'LIST', '/v1/secret/metadata/app', { token: 'nope' })).toEqual({
      status: 403,
      json: { errors: ['permission denied'] },
    });
    expect(since(vault, 0)).toContain('LIST /v1/secret/metadata/app/');
  });

  it('soft-deletes, undeletes and destroys versions', async () => {
    await client.kvWrite('secret', 'life', { v: 'one' }, 0);
    await client.kvWrite('secret', 'life', { v: 'two' }, 1);

    expect((await api(vault, 'DELETE', '/v1/secret/data/life')).status).toBe(204);
    const deleted = await api(vault, 'GET', '/v1/secret/data/life');
    expect(deleted.status).toBe(404);
    expect(deleted.json).toMatchObject({ data: { data: null, metadata: { version: 2, destroyed: false } } });
    const seen = await client.kvRead('secret', 'life');
    expect(seen?.data).toBeNull();
    expect(seen?.metadata.deletion_time).not.toBe('');

    expect((await api(vault, 'POST', '/v1/secret/undelete/life', { body: { versions: [2] } })).status).toBe(204);
    expect((await client.kvRead('secret', 'life'))?.data).toEqual({ v: 'two' });

    expect((await api(vault, 'POST', '/v1/secret/delete/life', { body: { versions: [1] } })).status).toBe(204);
    expect((await client.kvRead('secret', 'life', 1))?.data).toBeNull();
    expect(await api(vault, 'POST', '/v1/secret/delete/life', { body: {} })).toEqual({
      status: 400,
      json: { errors: ['no version number provided'] },
    });

    expect((await api(vault, 'POST', '/v1/secret/destroy/life', { body: { versions: [1] } })).status).toBe(204);
    expect((await api(vault, 'POST', '/v1/secret/undelete/life', { body: { versions: [1] } })).status).toBe(204);
    const destroyed = await client.kvRead('secret', 'life', 1);
    expect(destroyed).toMatchObject({ data: null, metadata: { destroyed: true } });
    expect((await client.kvMetadata('secret', 'life'))?.versions['1']?.destroyed).toBe(true);

    expect((await api(vault, 'DELETE', '/v1/secret/metadata/life')).status).toBe(204);
    expect(await client.kvRead('secret', 'life')).toBeNull();
    expect(await client.kvMetadata('secret', 'life')).toBeNull();
    // With the metadata gone the key is new again, so create-only succeeds.
    expect(await client.kvWrite('secret', 'life', { v: 'again' }, 0)).toEqual({ version: 1 });
  });

  it('lists the KV v2 mounts among the built-in ones', async () => {
    const mounts = await client.mounts();
    expect(mounts).toContainEqual({ path: 'secret', type: 'kv', version: '2' });
    expect(mounts.map((m) => m.path)).toEqual(expect.arrayContaining(['sys', 'cubbyhole', 'identity']));
    const raw = await api(vault, 'GET', '/v1/sys/mounts');
    expect(raw.json).toMatchObject({
      'secret/': { type: 'kv', options: { version: '2' } },
      data: { 'secret/': { type: 'kv' } },
    });
  });
});

describe('Vault stand-in: seal, standby, initialization', () => {
  let vault: VaultStandin;
  let client: VaultClient;
  beforeEach(async () => {
    vault = await startVaultStandin({ mounts: ['secret', 'kv/team'] });
    client = rootClient(vault);
  });
  afterEach(() => vault.close());

  it('reports an active Vault as healthy', async () => {
    expect(await client.health()).toEqual({
      status: 'active',
      ok: true,
      initialized: true,
      sealed: false,
      standby: false,
      version: vault.state.version,
      clusterName: 'vault-cluster-standin',
    });
    expect(await client.mounts()).toContainEqual({ path: 'kv/team', type: 'kv', version: '2' });
    expect(await client.kvWrite('kv/team', 'x', { a: 'b' }, 0)).toEqual({ version: 1 });
  });

  it('sealed: 503 everywhere but sys/health and seal-status, and the client says sealed', async () => {
    await client.kvWrite('secret', 'kept', { a: 'b' }, 0);
    vault.setSealed(true);
    expect(await api(vault, 'GET', '/v1/secret/data/kept')).toEqual({
      status: 503,
      json: { errors: ['Vault is sealed'] },
    });
    expect(await api(vault, 'GET', '/v1/sys/mounts')).toEqual({ status: 503, json: { errors: ['Vault is sealed'] } });

    const health = await api(vault, 'GET', '/v1/sys/health', { token: null });
    expect(health.status).toBe(503);
    expect(health.json).toMatchObject({ initialized: true, sealed: true, version: vault.state.version });
    expect((await api(vault, 'GET', '/v1/sys/health?sealedcode=200', { token: null })).status).toBe(200);
    expect(await api(vault, 'GET', '/v1/sys/seal-status', { token: null })).toMatchObject({
      status: 200,
      json: { sealed: true },
    });

    expect(await client.health()).toMatchObject({ status: 'sealed', ok: false, sealed: true });
    expect(await caught(client.kvRead('secret', 'kept'))).toMatchObject({ kind: 'Sealed', status: 503 });

    vault.setSealed(false);
    expect((await client.kvRead('secret', 'kept'))?.data).toEqual({ a: 'b' });
  });

  it('standby: 429 health (200 with standbyok), data refused with 503', async () => {
    vault.setStandby(true);
    expect((await api(vault, 'GET', '/v1/sys/health', { token: null })).status).toBe(429);
    expect((await api(vault, 'GET', '/v1/sys/health?standbyok=true', { token: null })).status).toBe(200);
    expect((await api(vault, 'GET', '/v1/sys/health?standbycode=299', { token: null })).status).toBe(299);
    expect(await api(vault, 'GET', '/v1/sys/health?standbyok=maybe', { token: null })).toEqual({
      status: 400,
      json: { errors: [] },
    });
    expect((await fetch(`${vault.url}/v1/sys/health`, { method: 'HEAD' })).status).toBe(429);

    expect(await client.health()).toMatchObject({ status: 'standby', ok: false, standby: true });
    expect(await caught(client.kvWrite('secret', 'x', { a: 'b' }, 0))).toMatchObject({ kind: 'Standby', status: 503 });
  });

  it('not initialized: 501 health, and the client says uninitialized', async () => {
    vault.setInitialized(false);
    expect((await api(vault, 'GET', '/v1/sys/health', { token: null })).status).toBe(501);
    expect((await api(vault, 'GET', '/v1/sys/health?uninitcode=200', { token: null })).status).toBe(200);
    expect(await client.health()).toMatchObject({ status: 'uninitialized', ok: false, initialized: false });
    expect(await caught(client.kvList('secret'))).toMatchObject({ kind: 'Sealed' });
  });
});

describe('Vault stand-in: tokens and Kubernetes auth', () => {
  let vault: VaultStandin;
  let dir: string;
  let jwtPath: string;
  // Tokens expire by the clock the stand-in reads (Date.now), moved past their TTL, not slept through: on a
  // loaded machine a TTL short enough to sleep through can run out between two requests of one step.
  const realNow = Date.now;
  let skewMs = 0;
  const timePasses = (seconds: number) => void (skewMs += seconds * 1000);
  beforeEach(() => {
    skewMs = 0;
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + skewMs);
  });
  afterEach(() => void jest.restoreAllMocks());
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vault-standin-'));
    jwtPath = join(dir, 'token');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    await writeFile(jwtPath, `${SA_JWT}\n`);
    vault = await startVaultStandin({
      kubernetesRoles: {
        'carbon-ops': { serviceAccountJwt: SA_JWT, policies: ['carbon-migrate'] },
        'short-lived': { serviceAccountJwt: SA_JWT, policies: [], ttlSec: 60 },
      },
    });
  });
  afterEach(() => vault.close());

  const k8sClient = (role: string): VaultClient =>
    createVaultClient({
      addr: vault.url,
      kubernetesAuth: { role, jwtPath },
      skipVerify: false,
      timeoutMs: REQUEST_TIMEOUT_MS,
    });

  it('refuses a missing, unknown or expired token with 403 permission denied', async () => {
    const denied = { status: 403, json: { errors: ['permission denied'] } };
    expect(await api(vault, 'GET', '/v1/secret/data/x', { token: null })).toEqual(denied);
    expect(await api(vault, 'GET', '/v1/secret/data/x', { token: 'hvs.not-a-token' })).toEqual(denied);
    expect(await api(vault, 'GET', '/v1/no/such/path', { token: 'hvs.not-a-token' })).toEqual(denied);
    const shortLived = vault.issueToken(60);
    expect((await api(vault, 'GET', '/v1/auth/token/lookup-self', { token: shortLived })).status).toBe(200);
    timePasses(61);
    expect(await api(vault, 'GET', '/v1/auth/token/lookup-self', { token: shortLived })).toEqual(denied);
  });

  it('looks up and renews a token', async () => {
    const token = vault.issueToken(60, ['reader']);
    const self = await api(vault, 'GET', '/v1/auth/token/lookup-self', { token });
    expect(self.json).toMatchObject({
      data: { policies: ['default', 'reader'], renewable: true, creation_ttl: 60, type: 'service' },
    });
    const renewed = await api(vault, 'POST', '/v1/auth/token/renew-self', { token, body: {} });
    expect(renewed.json).toMatchObject({ auth: { client_token: token, lease_duration: 60, renewable: true } });
    expect(await api(vault, 'POST', '/v1/auth/token/renew-self', { body: {} })).toEqual({
      status: 400,
      json: { errors: ['lease is not renewable'] },
    });
  });

  it('logs in with the Kubernetes role and jwt, with Vault statuses for bad input', async () => {
    const login = (body: unknown) => api(vault, 'POST', '/v1/auth/kubernetes/login', { token: null, body });
    expect(await login({ role: 'carbon-ops', jwt: 'forged' })).toEqual({
      status: 403,
      json: { errors: ['permission denied'] },
    });
    expect(await login({ role: 'nobody', jwt: SA_JWT })).toEqual({
      status: 400,
      json: { errors: ['invalid role name "nobody"'] },
    });
    expect(await login({ jwt: SA_JWT })).toEqual({ status: 400, json: { errors: ['missing role'] } });
    expect(await login({ role: 'carbon-ops' })).toEqual({ status: 400, json: { errors: ['missing jwt'] } });

    const ok = await login({ role: 'carbon-ops', jwt: SA_JWT });
    expect(ok.status).toBe(200);
    const auth = (
      ok.json as { auth: { client_token: string; lease_duration: number; renewable: boolean; policies: string[] } }
    ).auth;
    expect(auth).toMatchObject({ lease_duration: 3600, renewable: true, policies: ['default', 'carbon-migrate'] });
    expect(
      (await api(vault, 'POST', '/v1/secret/data/k8s', { token: auth.client_token, body: { data: { a: 'b' } } }))
        .status,
    ).toBe(200);
  });

  it('the client logs in on first use', async () => {
    const client = k8sClient('carbon-ops');
    const from = vault.requests.length;
    expect(await client.kvWrite('secret', 'via-k8s', { user: 'etl' }, 0)).toEqual({ version: 1 });
    expect(since(vault, from)).toEqual(['POST /v1/auth/kubernetes/login', 'POST /v1/secret/data/via-k8s']);
  });

  it('an expired token costs exactly one re-login and one retry', async () => {
    const client = k8sClient('short-lived');
    await client.kvWrite('secret', 'exp', { a: 'b' }, 0);
    timePasses(61);
    const from = vault.requests.length;
    expect((await client.kvRead('secret', 'exp'))?.data).toEqual({ a: 'b' });
    expect(since(vault, from)).toEqual([
      'GET /v1/secret/data/exp',
      'POST /v1/auth/kubernetes/login',
      'GET /v1/secret/data/exp',
    ]);
  });

  it('concurrent 403s share one re-login', async () => {
    const client = k8sClient('short-lived');
    await client.kvWrite('secret', 'exp', { a: 'b' }, 0);
    timePasses(61);
    const from = vault.requests.length;
    await Promise.all([client.kvRead('secret', 'exp'), client.kvRead('secret', 'exp'), client.kvList('secret')]);
    expect(since(vault, from).filter((line) => line.includes('/login'))).toHaveLength(1);
  });

  it('a re-login that fails too ends the call after that one attempt', async () => {
    const client = k8sClient('short-lived');
    await client.kvWrite('secret', 'exp', { a: 'b' }, 0);
    timePasses(61);
    await writeFile(jwtPath, 'rotated-but-wrong');
    const from = vault.requests.length;
    const error = await caught(client.kvRead('secret', 'exp'));
    expect(error).toMatchObject({ kind: 'PermissionDenied', status: 403 });
    expect(since(vault, from)).toEqual(['GET /v1/secret/data/exp', 'POST /v1/auth/kubernetes/login']);
    expect(error.message).not.toContain('rotated-but-wrong');
  });

  it('a static token that expired is renewed once, which fails, and nothing more is tried', async () => {
    const token = vault.issueToken(60);
    const client = rootClient(vault, token);
    timePasses(61);
    const from = vault.requests.length;
    const error = await caught(client.kvRead('secret', 'x'));
    expect(error).toMatchObject({ kind: 'PermissionDenied', status: 403, errors: ['permission denied'] });
    expect(since(vault, from)).toEqual(['GET /v1/secret/data/x', 'POST /v1/auth/token/renew-self']);
    expect(error.message).not.toContain(token);
  });
});

describe('Vault stand-in: lifecycle, paths, secrecy, limits', () => {
  let vault: VaultStandin;
  let client: VaultClient;
  beforeEach(async () => {
    vault = await startVaultStandin({ rootToken: `hvs.${randomUUID()}` });
    client = rootClient(vault);
  });
  afterEach(() => vault.close());

  it('stop() makes Vault unreachable and start() brings it back on the same port with its data', async () => {
    await client.kvWrite('secret', 'survivor', { a: 'b' }, 0);
    const url = vault.url;
    await vault.stop();
    expect(await caught(client.kvRead('secret', 'survivor'))).toMatchObject({ kind: 'Unavailable', status: undefined });
    await vault.start();
    expect(vault.url).toBe(url);
    expect((await client.kvRead('secret', 'survivor'))?.data).toEqual({ a: 'b' });
    expect(await client.kvWrite('secret', 'survivor', { a: 'c' }, 1)).toEqual({ version: 2 });
  });

  it('rejects parent references, raw or percent-encoded, before routing', async () => {
    await client.kvWrite('secret', 'x', { a: 'b' }, 0);
    const escape = { status: 400, json: { errors: ['path cannot contain parent references'] } };
    expect(await rawPath(vault, 'GET', '/v1/secret/data/../../sys/mounts')).toEqual(escape);
    expect(await rawPath(vault, 'GET', '/v1/secret/data/%2e%2e/%2E%2E/sys/mounts')).toEqual(escape);
    expect(await rawPath(vault, 'GET', '/v1/secret/data/a/%2e%2e/x')).toEqual(escape);
    expect((await rawPath(vault, 'GET', '/v1/secret/data/./x')).status).toBe(400);
    expect((await rawPath(vault, 'GET', '/v1/secret/data//x')).status).toBe(400);
  });

  it('the client refuses escaping paths before sending anything', async () => {
    const from = vault.requests.length;
    for (const path of ['../sys/mounts', 'a/../../b', '/etc/passwd', 'a//b', './a', '']) {
      expect(await caught(client.kvRead('secret', path))).toMatchObject({ kind: 'InvalidPath', status: undefined });
    }
    expect(await caught(client.kvWrite('..', 'x', { a: 'b' }, 0))).toMatchObject({ kind: 'InvalidPath' });
    expect(await caught(client.kvList('secret', '../'))).toMatchObject({ kind: 'InvalidPath' });
    expect(vault.requests.length).toBe(from);
  });

  it('never records a value: a planted canary appears in no request log entry and no error', async () => {
    const canary = `canary-${randomUUID()}`;
    await client.kvWrite('secret', 'planted', { password: canary }, 0);
    await client.kvRead('secret', 'planted');
    const conflict = await caught(client.kvWrite('secret', 'planted', { password: canary }, 0));
    await api(vault, 'PUT', '/v1/secret/data/planted', { body: { data: { password: canary } } });
    const malformed = await api(vault, 'POST', '/v1/secret/data/planted', { body: `{"data": {"password": ${canary}` });
    expect(malformed).toEqual({ status: 400, json: { errors: ['failed to parse JSON input'] } });
    await api(vault, 'LIST', '/v1/secret/metadata/');

    expect(vault.requests.length).toBeGreaterThan(5);
    expect(JSON.stringify(vault.requests)).not.toContain(canary);
    expect(JSON.stringify(vault.requests)).not.toContain(vault.rootToken);
    expect(`${conflict.message} ${JSON.stringify(conflict)}`).not.toContain(canary);
    expect(conflict.message).not.toContain(vault.rootToken);
  });

  it('bounds every request by timeoutMs', async () => {
    const hung: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    try {
      const slow = createVaultClient({
        addr: `http://127.0.0.1:${(hung.address() as AddressInfo).port}`,
        token: 't',
        skipVerify: false,
        timeoutMs: 150,
      });
      // The server never answers: a Timeout at all is the bound at work.
      expect(await caught(slow.health())).toMatchObject({ kind: 'Timeout' });
      expect(await caught(slow.kvRead('secret', 'x'))).toMatchObject({ kind: 'Timeout' });
    } finally {
      hung.closeAllConnections();
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  it('takes TLS skipping only from the explicit boolean, and refuses it until a dispatcher exists', () => {
    const options = { token: 't', timeoutMs: 1000 };
    expect(() => createVaultClient({ ...options, addr: 'https://vault.example:8200', skipVerify: true })).toThrow(
      /skipVerify/,
    );
    expect(() =>
      createVaultClient({ ...options, addr: 'https://vault.example:8200', skipVerify: false }),
    ).not.toThrow();
    expect(() => createVaultClient({ ...options, addr: vault.url, skipVerify: true })).not.toThrow();
    expect(() => createVaultClient({ addr: vault.url, skipVerify: false, timeoutMs: 1000 })).toThrow(
      /token or kubernetesAuth/,
    );
  });
});
