import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import {
  connect,
  createServer as createTcpServer,
  type AddressInfo,
  type Server as TcpServer,
  type Socket,
} from 'node:net';
import { createServer, type Server } from 'node:https';
import pg from 'pg';
import { Catalogue, type Service } from '../../src/catalogue.js';
import { loadConfig } from '../../src/config.js';
import { startDemoCluster, type DemoCluster } from '../../src/devstack/demo.js';
import { selfSignedCert } from '../../src/devstack/kube/tls.js';
import type { DataCheck } from '../../src/features/health/data-services/check.js';
import { measureDataServices, withDataChecks } from '../../src/features/health/data-services/measure.js';
import type { DataSources } from '../../src/features/health/data-services/sources.js';
import type { ServiceState } from '../../src/features/health/measure.js';
import { Kube, resourcePath } from '../../src/integrations/kubernetes.js';
import { kubeAccessFromYaml } from '../../src/integrations/kubeconfig.js';
import { kubeconfigYaml } from '../support/kubeconfig.js';
import { vaultFromConfig } from '../../src/integrations/vault-connection.js';
import { assertBotNeverRefused } from '../support/bot-rbac.js';
import { ADMIN_URL, freshDatabase } from '../support/postgres.js';
import { loadCatalogue } from '../../src/catalogue.js';
import { takeHealthSnapshot } from '../../src/features/health/snapshot.js';
import { renderHealth } from '../../src/features/health/render.js';
import { Store } from '../../src/app/store.js';
import { createPool } from '../../src/integrations/postgres.js';
import { checkMessage } from '../../src/devstack/slack/block-limits.js';
import { toPlainText } from '../../src/cli/plain-text.js';
import { REQUEST_TIMEOUT_MS } from '../support/until.js';

/**
 * The Data services checks against real servers: the Vault stand-in sealed, the local PostgreSQL with a role whose
 * connection limit the test exhausts, local HTTPS servers (a certificate that expires in 3 days, one for another
 * host, one that never answers), and the demo cluster's API (a Secret read by the bot's own RBAC; no metrics API).
 * Each failure turns its critical service ❌ although its pods are all ready.
 */

const TIMEOUT_MS = 3_000;
const config = loadConfig({ DATA_CHECK_TIMEOUT_MS: String(TIMEOUT_MS), KAFKA_BROKERS: '127.0.0.1:1' });
let demo: DemoCluster;
let sources: DataSources;

const PG_ROLE = `carbon_health_${randomBytes(4).toString('hex')}`;
const PG_PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });

beforeAll(async () => {
  demo = await startDemoCluster({});
  const botConfig = kubeAccessFromYaml(demo.botKubeconfigYaml()); // the bot's ServiceAccount and its generated RBAC
  const vault = vaultFromConfig(config, { addr: demo.vault.url, token: demo.vault.rootToken, simulated: true })!;
  sources = { config, kube: new Kube(botConfig, { requestTimeoutMs: REQUEST_TIMEOUT_MS, pageSize: 500 }), vault };

  // The PostgreSQL check's password, in the Secret the catalogue names (catalogue/services.yaml, RBAC by name).
  const adminConfig = kubeAccessFromYaml(demo.kubeconfigYaml());
  await new Kube(adminConfig, { requestTimeoutMs: REQUEST_TIMEOUT_MS, pageSize: 500 }).request({
    method: 'POST',
    path: resourcePath('v1', 'secrets', 'data-platform'),
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'postgresql-health', namespace: 'data-platform' },
      data: { password: Buffer.from(PG_PASSWORD).toString('base64') },
    },
    what: 'create the test Secret',
  });
  await admin.connect();
  await admin.query(`CREATE ROLE ${PG_ROLE} LOGIN PASSWORD '${PG_PASSWORD}' CONNECTION LIMIT 2`);
});

afterAll(async () => {
  await admin.query(`DROP ROLE IF EXISTS ${PG_ROLE}`).catch(() => undefined);
  await admin.end().catch(() => undefined);
  await demo?.close();
  assertBotNeverRefused(demo?.kube);
});

/** A critical service whose pods are all ready: only its data checks can make it ❌. */
const podsUp = (name: string): ServiceState => ({
  name,
  namespace: 'data-platform',
  workload: `deployment/${name}`,
  critical: true,
  ready: 1,
  desired: 1,
  status: 'up',
});

function service(name: string, checks: Service['checks'], url?: string): Service {
  return {
    name,
    namespace: 'data-platform',
    kind: 'deployment',
    workload: name,
    critical: true,
    ...(url ? { url } : {}),
    checks,
  };
}

async function measure(...services: Service[]): Promise<DataCheck[]> {
  return measureDataServices(sources, new Catalogue(services), 'data-platform');
}

describe('Vault', () => {
  it('reads sys/health; sealed, the critical vault service is ❌ with every pod ready', async () => {
    const [healthy] = await measure(service('vault', [{ kind: 'vault' }]));
    expect(healthy).toMatchObject({ state: 'ok', summary: 'initialized, unsealed, active, version 1.19.0' });

    demo.vault.setSealed(true);
    try {
      const checks = await measure(service('vault', [{ kind: 'vault' }]));
      expect(checks[0]).toMatchObject({ kind: 'vault', state: 'failed', problems: ['sealed'] });
      expect(checks[0]!.source).toContain(demo.vault.url);
      const [vault] = withDataChecks([podsUp('vault')], checks);
      expect(vault).toMatchObject({ status: 'down', failedChecks: ['vault: sealed'] });
    } finally {
      demo.vault.setSealed(false);
    }
  });

  it('says why when Vault does not answer, and the service keeps its pods’ status', async () => {
    await demo.vault.stop();
    try {
      const checks = await measure(service('vault', [{ kind: 'vault' }]));
      expect(checks[0]).toMatchObject({ state: 'not-measured' });
      expect(checks[0]!.summary).toMatch(/^Vault did not answer/);
      expect(withDataChecks([podsUp('vault')], checks)[0]!.status).toBe('up');
    } finally {
      await demo.vault.start();
    }
  });
});

describe('PostgreSQL', () => {
  const check = {
    kind: 'postgres' as const,
    endpoint: new URL(ADMIN_URL).host,
    database: 'postgres',
    user: PG_ROLE,
    credentials: { secret: 'postgresql-health', key: 'password' },
  };

  it('connects with the password from the Secret and reads version, connections and transactions', async () => {
    const [pgCheck] = await measure(service('postgresql', [check]));
    expect(pgCheck).toMatchObject({ kind: 'postgres', state: 'ok' });
    expect(pgCheck!.summary).toMatch(/^connects, PostgreSQL \d+.*, connections \d+\/\d+, longest transaction /);
    expect(pgCheck!.source).toContain('Secret data-platform/postgresql-health');
    expect(JSON.stringify(pgCheck)).not.toContain(PG_PASSWORD);
  });

  it('fails, and turns the service ❌, when the role’s connections are exhausted', async () => {
    // The role's limit (2) taken by two clients of its own: the check's connection is the one too many.
    const { hostname, port } = new URL(ADMIN_URL);
    const held = [1, 2].map(
      () =>
        new pg.Client({
          host: hostname,
          port: Number(port),
          database: 'postgres',
          user: PG_ROLE,
          password: PG_PASSWORD,
        }),
    );
    await Promise.all(held.map((c) => c.connect()));
    try {
      const checks = await measure(service('postgresql', [check]));
      expect(checks[0]).toMatchObject({ state: 'failed', problems: ['connect refused (too many connections)'] });
      expect(JSON.stringify(checks)).not.toContain(PG_PASSWORD);
      const [postgresql] = withDataChecks([podsUp('postgresql')], checks);
      expect(postgresql).toMatchObject({
        status: 'down',
        failedChecks: ['postgres: connect refused (too many connections)'],
      });
    } finally {
      await Promise.all(held.map((c) => c.end()));
    }
  });

  it('says why when the Secret lacks the key, without connecting', async () => {
    const missing = { ...check, credentials: { secret: 'postgresql-health', key: 'nope' } };
    const checks = await measure(service('postgresql', [missing]));
    expect(checks[0]).toMatchObject({
      state: 'not-measured',
      summary: 'not configured: Secret data-platform/postgresql-health has no key nope',
    });
  });
});

describe('TLS and public URLs', () => {
  const servers: (Server | TcpServer)[] = [];
  const urls: Record<string, string> = {};

  beforeAll(async () => {
    const listen = async (name: string, server: Server | TcpServer, path = '/') => {
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      urls[name] = `https://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
    };
    await listen(
      'expiring',
      createServer(certificate({ days: 3, ip: '127.0.0.1' }), (_req, res) => res.writeHead(200).end('ok')),
    );
    await listen(
      'otherHost',
      createServer(certificate({ days: 90, dns: 'other.example' }), (_req, res) => res.writeHead(200).end()),
    );
    await listen(
      'failing',
      createServer(certificate({ days: 90, ip: '127.0.0.1' }), (_req, res) =>
        res.writeHead(302, { location: 'https://elsewhere.example/login' }).end(),
      ),
    );
    // Accepts the connection and never says a word: the probe must give up within its bound.
    await listen(
      'silent',
      createTcpServer(() => undefined),
    );
    // Each stage in less than the bound, the whole in more: the TLS handshake held for 0.6 of it (a TCP front that
    // forwards to the server late), the response for 0.7 more.
    const late = createServer(certificate({ days: 90, ip: '127.0.0.1' }), (_req, res) => {
      setTimeout(() => res.writeHead(200).end(), TIMEOUT_MS * 0.7);
    });
    servers.push(late);
    await new Promise<void>((resolve) => late.listen(0, '127.0.0.1', resolve));
    await listen(
      'stalling',
      createTcpServer((client) => {
        client.pause(); // the ClientHello waits in the buffer
        client.on('error', () => undefined);
        setTimeout(() => {
          const upstream = connect((late.address() as AddressInfo).port, '127.0.0.1', () => {
            upstream.pipe(client);
            client.pipe(upstream);
            client.resume();
          });
          upstream.on('error', () => client.destroy());
          client.on('close', () => upstream.destroy());
        }, TIMEOUT_MS * 0.6);
      }),
    );
  });

  afterAll(async () => {
    for (const s of servers) {
      (s as Server).closeAllConnections?.();
      s.close();
    }
  });

  it('fails a certificate that expires in 3 days and turns the service ❌; the URL itself answers', async () => {
    const checks = await measure(service('trino', [{ kind: 'tls' }, { kind: 'http' }], urls.expiring));
    const tls = checks.find((c) => c.kind === 'tls')!;
    const http = checks.find((c) => c.kind === 'http')!;
    expect(tls).toMatchObject({ state: 'failed' });
    expect(tls.problems).toContain('expires in 3 days (within 14)');
    expect(tls.summary).toMatch(/issuer Carbon Test CA, expires \d{4}-\d\d-\d\d \(3 days\), hostname matches/);
    expect(http).toMatchObject({ state: 'ok' });
    expect(http.summary).toMatch(/^HTTP 200 in \d+ ms$/);
    const [trino] = withDataChecks([podsUp('trino')], checks);
    expect(trino!.status).toBe('down');
    expect(trino!.failedChecks![0]).toMatch(/^tls: expires in 3 days/);
  });

  it('fails a certificate for another host, and reports a redirect off the host without following it', async () => {
    const checks = await measure(
      service('grafana', [{ kind: 'tls' }, { kind: 'http' }], urls.otherHost),
      service('superset', [{ kind: 'http' }], urls.failing),
    );
    expect(checks.find((c) => c.services.includes('grafana') && c.kind === 'tls')!.problems).toContain(
      'not valid for 127.0.0.1',
    );
    const redirect = checks.find((c) => c.services.includes('superset'))!;
    expect(redirect.summary).toMatch(/^HTTP 302 → elsewhere\.example \(off the host, not followed\) in \d+ ms$/);
  });

  it('goes through HTTPS_PROXY (CONNECT) unless NO_PROXY names the host', async () => {
    const tunnels: string[] = [];
    const proxy = createHttpServer().on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      tunnel(req, client, head);
    });
    servers.push(proxy);
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const through = (noProxy: string) => ({
      ...sources,
      config: loadConfig({ DATA_CHECK_TIMEOUT_MS: String(TIMEOUT_MS), HTTPS_PROXY: proxyUrl, NO_PROXY: noProxy }),
    });
    const catalogue = new Catalogue([service('trino', [{ kind: 'tls' }, { kind: 'http' }], urls.expiring)]);

    const proxied = await measureDataServices(through('localhost,.internal.example'), catalogue, 'data-platform');
    const target = new URL(urls.expiring!).host;
    expect(tunnels).toEqual([target]);
    const http = proxied.find((c) => c.kind === 'http')!;
    expect(http).toMatchObject({
      state: 'ok',
      source: `HTTP GET through the proxy 127.0.0.1:${new URL(proxyUrl).port}`,
    });
    expect(proxied.find((c) => c.kind === 'tls')!.problems).toContain('expires in 3 days (within 14)');

    const direct = await measureDataServices(through('127.0.0.1'), catalogue, 'data-platform');
    expect(tunnels).toHaveLength(1);
    expect(direct.find((c) => c.kind === 'http')).toMatchObject({ state: 'ok', source: 'HTTP GET, direct' });
  });

  it("sends the proxy URL's user:password as Basic auth to the proxy only, and never shows it", async () => {
    const auths: (string | undefined)[] = [];
    const proxy = createHttpServer().on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      auths.push(req.headers['proxy-authorization']);
      if (req.headers['proxy-authorization'] !== `Basic ${Buffer.from('ops:p@ss').toString('base64')}`) {
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
        return;
      }
      tunnel(req, client, head);
    });
    servers.push(proxy);
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as AddressInfo).port;
    const config = loadConfig({
      DATA_CHECK_TIMEOUT_MS: String(TIMEOUT_MS),
      https_proxy: `http://ops:p%40ss@127.0.0.1:${port}`,
    });
    const checks = await measureDataServices(
      { ...sources, config },
      new Catalogue([service('trino', [{ kind: 'tls' }, { kind: 'http' }], urls.expiring)]),
      'data-platform',
    );
    expect(auths).toHaveLength(1);
    expect(checks.find((c) => c.kind === 'http')).toMatchObject({
      state: 'ok',
      source: `HTTP GET through the proxy 127.0.0.1:${port}`,
    });
    expect(JSON.stringify(checks)).not.toMatch(/p%40ss|p@ss|ops:/);
  });

  it('gives up on an endpoint that never answers within the bound: not measured, not hung', async () => {
    const started = Date.now();
    const checks = await measure(service('portal', [{ kind: 'tls' }, { kind: 'http' }], urls.silent));
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 4);
    for (const c of checks) {
      expect(c.state).toBe('not-measured');
      expect(c.summary).toMatch(/no answer within 3 s/);
    }
  });

  it('reports a URL whose handshake and answer each come within the bound, but not both, as not measured', async () => {
    const checks = await measure(service('portal', [{ kind: 'tls' }, { kind: 'http' }], urls.stalling));
    const http = checks.find((c) => c.kind === 'http')!;
    expect(http).toMatchObject({ state: 'not-measured' });
    expect(http.summary).toMatch(/^no answer: GET https:\/\/127\.0\.0\.1:\d+\/: no answer within 3 s$/);
  });

  it('does not wait for a cert-manager that never answers: the TLS line says why, the URL is measured', async () => {
    const held: Socket[] = [];
    const silentApi = createTcpServer((s) => held.push(s));
    await new Promise<void>((resolve) => silentApi.listen(0, '127.0.0.1', resolve));
    const kubeconfig = kubeAccessFromYaml(
      kubeconfigYaml(
        { server: `https://127.0.0.1:${(silentApi.address() as AddressInfo).port}`, 'insecure-skip-tls-verify': true },
        { token: 'none' },
      ),
    );
    // Each Kubernetes call bounded far beyond the data checks' bound: only the checks' own bound can end the wait.
    const kube = new Kube(kubeconfig, { requestTimeoutMs: 600_000, pageSize: 500 });
    try {
      const checks = await measureDataServices(
        { ...sources, kube },
        new Catalogue([service('trino', [{ kind: 'tls' }, { kind: 'http' }], urls.expiring)]),
        'data-platform',
      );
      expect(checks.find((c) => c.kind === 'http')).toMatchObject({ state: 'ok' });
      expect(checks.find((c) => c.kind === 'tls')!.summary).toMatch(
        /, cert-manager: list certificates\.cert-manager\.io: no answer within 3 s$/,
      );
    } finally {
      held.forEach((s) => s.destroy());
      silentApi.close();
    }
  });
});

describe('the health snapshot on the demo cluster', () => {
  it('renders the Data services section, stores it with the snapshot, and says what it could not measure', async () => {
    const db = await freshDatabase();
    const store = new Store(createPool(db.url));
    try {
      const catalogue = await loadCatalogue('catalogue/services.yaml');
      const cluster = { name: demo.clusterName, simulated: true };
      demo.vault.setSealed(true);
      const { report, snapshotId } = await takeHealthSnapshot(
        { ...sources, store, catalogue, cluster },
        { jobId: 'health-data-1' },
      ).finally(() => demo.vault.setSealed(false));
      const message = renderHealth(report, { snapshotId });
      expect(checkMessage(message)).toBeUndefined();
      const text = toPlainText(message);
      expect(text).toContain('Data services (');
      expect(text).toMatch(
        /❌ vault: sealed: initialized, sealed, standby, version 1\.19\.0 \(the Vault stand-in sys\/health/,
      );
      expect(text).toMatch(/⚪ kafka default: not measured: no broker of 127\.0\.0\.1:1 answered/);
      expect(text).toContain('⚪ node resources: not measured: metrics-server not installed');
      expect(text).toContain('• `vault` (critical): vault: sealed');
      // The vault Deployment's pods are all ready in the demo: only its data check makes it ❌.
      expect(report.services.find((s) => s.name === 'vault')).toMatchObject({ status: 'down', ready: 1, desired: 1 });

      const stored = await store.health.byId(snapshotId);
      expect(stored!.dataServices).toEqual(JSON.parse(JSON.stringify(report.dataServices)));
      expect(stored!.services.find((s) => s.name === 'vault')!.failedChecks).toEqual(['vault: sealed']);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});

describe('node resources and Kafka, where they are not served', () => {
  it('says metrics-server is not installed, and why Kafka is not measured', async () => {
    const checks = await measureDataServices(
      sources,
      new Catalogue([service('kafka', [{ kind: 'kafka', cluster: 'default', consumerGroups: [] }])]),
      undefined,
    );
    expect(checks.find((c) => c.kind === 'nodes')).toMatchObject({
      state: 'not-measured',
      summary: 'metrics-server not installed (metrics.k8s.io is not served)',
    });
    const kafka = checks.find((c) => c.kind === 'kafka')!;
    expect(kafka.state).toBe('not-measured');
    expect(kafka.summary).toMatch(/^no broker of 127\.0\.0\.1:1 answered/);
  });
});

/** A self-signed certificate valid for `days` more days, for an IP or a DNS name. */
function certificate(options: { days: number; ip?: string; dns?: string }): { cert: string; key: string } {
  const now = Date.now();
  return selfSignedCert({
    commonName: options.dns ?? options.ip ?? 'test',
    notBefore: new Date(now - 86_400_000),
    // A few minutes over `days`, so the whole days left are `days` however long the test takes.
    notAfter: new Date(now + options.days * 86_400_000 + 600_000),
    altNames: [options.ip !== undefined ? { ip: options.ip } : { dns: options.dns ?? 'test' }],
    issuer: [
      { name: 'commonName', value: 'carbon test' },
      { name: 'organizationName', value: 'Carbon Test CA' },
    ],
  });
}

/** Answers a CONNECT as an HTTP proxy does: the client piped to the host:port it asked for. */
function tunnel(req: IncomingMessage, client: Socket, head: Buffer): void {
  const [host, port] = (req.url ?? '').split(':');
  const upstream = connect(Number(port), host, () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    upstream.write(head);
    upstream.pipe(client).on('error', () => undefined);
    client.pipe(upstream).on('error', () => undefined);
  });
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
}
