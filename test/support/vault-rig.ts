import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { QueueEvents } from 'bullmq';
import { pino } from 'pino';
import { loadCatalogue } from '../../src/catalogue.js';
import { EXIT, LocalSession } from '../../src/cli/session.js';
import { TerminalChat } from '../../src/cli/terminal-chat.js';
import { loadConfig, type Config } from '../../src/config.js';
import { wireConfigMapConsumers } from '../../src/devstack/demo-secrets.js';
import {
  loadScenario,
  startKubeStandin,
  type Deployment,
  type KubeObject,
  type KubeStandin,
} from '../../src/devstack/kube/index.js';
import { startVaultStandin, type VaultStandin } from '../../src/devstack/vault/index.js';
import type { Outcome } from '../../src/handlers/dispatch.js';
import { Kube } from '../../src/integrations/kubernetes.js';
import { kubeAccessFromYaml } from '../../src/integrations/kubeconfig.js';
import { createPool } from '../../src/integrations/postgres.js';
import { createVaultClient, type VaultClient } from '../../src/integrations/vault.js';
import type { CommandQueue } from '../../src/jobs/queue.js';
import { loadPolicy } from '../../src/policy/policy.js';
import { Store } from '../../src/app/store.js';
import type { VaultDeps } from '../../src/integrations/vault-connection.js';
import { freshDatabase } from './postgres.js';
import { assertBotNeverRefused } from './bot-rbac.js';
import { REQUEST_TIMEOUT_MS } from './until.js';

export const SA_JWT = 'eyJhbGciOiJSUzI1NiJ9.carbon-ops-test-service-account.signature';

/**
 * Everything a vault command travels through, on real parts: the terminal session of `carbon run`
 * (dispatch: parse, policy, audit; BullMQ on the real Redis with a private queue and a worker), the
 * Kubernetes stand-in with the 254Carbon scenario and its ConfigMap consumers, the Vault stand-in, a fresh
 * PostgreSQL database. Every chat call is recorded as the Slack Web API call it would be, and every log
 * line is kept (JSON, as pino writes it).
 */
export class VaultRig {
  readonly logLines: string[] = [];
  readonly chat = new TerminalChat(() => undefined);
  /** Every log line of the worker and of dispatch lands in logLines. */
  log = pino({ level: 'silent' });
  kube!: KubeStandin;
  vault!: VaultStandin;
  db!: Awaited<ReturnType<typeof freshDatabase>>;
  store!: Store;
  session!: LocalSession;
  config!: Config;
  client!: Kube;
  vaultDeps!: VaultDeps;
  private tmp = '';

  /** `wrap` lets a test stand between the jobs and Vault (to stop it mid-migration, say). */
  async start(
    options: { kubernetesAuth?: { ttlSec: number }; wrap?: (client: VaultClient) => VaultClient } = {},
  ): Promise<this> {
    this.config = loadConfig({
      KUBE_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      VAULT_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      LOG_LEVEL: 'debug',
      QUEUE_NAME: `test-vault-${randomBytes(4).toString('hex')}`,
      WORKER_CONCURRENCY: '2',
    });
    const log = pino(
      { level: 'debug', base: { app: 'carbon-ops' } },
      new Writable({ write: (chunk: Buffer, _e, done) => (this.logLines.push(chunk.toString()), done()) }),
    );
    this.log = log;
    this.kube = await startKubeStandin({
      scenario: await loadScenario('254carbon'),
      cluster: { podReadyDelayMs: 100, podTerminationDelayMs: 30 },
    });
    wireConfigMapConsumers(this.kube.cluster);
    const ttl = options.kubernetesAuth?.ttlSec;
    this.vault = await startVaultStandin(
      ttl === undefined
        ? {}
        : { kubernetesRoles: { 'carbon-ops': { serviceAccountJwt: SA_JWT, policies: ['carbon-ops'], ttlSec: ttl } } },
    );
    let client: VaultClient;
    if (ttl === undefined) {
      client = createVaultClient({
        addr: this.vault.url,
        token: this.vault.rootToken,
        skipVerify: false,
        timeoutMs: REQUEST_TIMEOUT_MS,
      });
    } else {
      this.tmp = await mkdtemp(join(tmpdir(), 'carbon-vault-'));
      await writeFile(join(this.tmp, 'token'), SA_JWT);
      client = createVaultClient({
        addr: this.vault.url,
        kubernetesAuth: { role: 'carbon-ops', jwtPath: join(this.tmp, 'token') },
        skipVerify: false,
        timeoutMs: REQUEST_TIMEOUT_MS,
      });
    }
    this.vaultDeps = {
      client: options.wrap ? options.wrap(client) : client,
      addr: this.vault.url,
      mount: 'secret',
      simulated: true,
      injectRole: 'platform-apps',
    };
    this.db = await freshDatabase();
    this.store = new Store(createPool(this.db.url));
    const kubeConfig = kubeAccessFromYaml(this.kube.botKubeconfigYaml()); // the bot runs as its ServiceAccount
    this.client = new Kube(kubeConfig, { requestTimeoutMs: REQUEST_TIMEOUT_MS, pageSize: 500 });
    this.session = await LocalSession.start(
      {
        config: this.config,
        log,
        kube: this.client,
        cluster: { name: '254carbon-demo', simulated: true },
        store: this.store,
        catalogue: await loadCatalogue('catalogue/services.yaml'),
        policy: await loadPolicy('policy/policy.example.yaml'),
        chat: this.chat,
        vault: this.vaultDeps,
      },
      { progressIntervalMs: 50 },
    );
    return this;
  }

  /** The session's private queue (and its QueueEvents): a test may enqueue a job itself and wait for it. */
  get queue(): CommandQueue {
    return this.session.queue;
  }

  get events(): QueueEvents {
    return this.session.events;
  }

  get queueName(): string {
    return this.session.queue.name;
  }

  async stop(): Promise<void> {
    await this.session?.close();
    await this.store?.close();
    await this.db?.drop();
    await this.vault?.close();
    await this.kube?.close();
    assertBotNeverRefused(this.kube);
    if (this.tmp) await rm(this.tmp, { recursive: true, force: true });
  }

  /** One command as `user` in #inc-demo, as `carbon run` runs it; waits for its job (and any follow-up) to end. */
  async run(text: string, user = 'U0OPERATOR'): Promise<{ outcome: Outcome; ok: boolean }> {
    const { outcome, code } = await this.session.run(text, { user, channel: 'C0INCIDENT' });
    return { outcome, ok: code === EXIT.ok };
  }

  /** The text of every chat call so far, newest last. */
  texts(): string[] {
    return this.chat.calls.map((c) => `${String(c.payload.text ?? '')}\n${JSON.stringify(c.payload.blocks ?? [])}`);
  }

  /** The coverage the last message states (`Secrets in Vault: N of M`), as [N, M]. */
  coverage(): number[] {
    return /Secrets in Vault: (\d+) of (\d+)/
      .exec(this.texts().at(-1) ?? '')!
      .slice(1)
      .map(Number);
  }

  /** The last migration id posted (`migration: <id>`). */
  lastMigrationId(): string {
    const ids = this.chat.calls.flatMap((c) =>
      [...String(c.payload.text ?? '').matchAll(/migration: ([a-z0-9]+)/g)].map((m) => m[1]!),
    );
    if (ids.length === 0) throw new Error('no migration id posted');
    return ids.at(-1)!;
  }

  /** A plan, then the approval by U0APPROVER: the migration's id. */
  async migrate(text: string): Promise<string> {
    const asked = await this.run(text);
    if (asked.outcome.kind !== 'queued' || !asked.ok)
      throw new Error(`the plan failed: ${JSON.stringify(asked.outcome)} ${this.texts().at(-1)}`);
    const id = this.lastMigrationId();
    await this.run(`approve ${id}`, 'U0APPROVER');
    return id;
  }

  configMap(namespace: string, name: string): Record<string, string> | undefined {
    return this.kube.cluster.get<{ data?: Record<string, string> } & KubeObject>('configmaps', namespace, name)?.data;
  }

  templateAnnotations(namespace: string, name: string): Record<string, string> {
    const d = this.kube.cluster.get<Deployment>('deployments', namespace, name);
    return d?.spec.template.metadata?.annotations ?? {};
  }

  /** Vault requests that write a secret (KV data writes) since `from`. */
  vaultWrites(from = 0): string[] {
    return this.vault.requests
      .slice(from)
      .filter(
        (r) =>
          (r.method === 'POST' || r.method === 'PUT') &&
          /^\/v1\/secret\/data\//.test(r.path) &&
          !r.path.includes('carbon-ops/fingerprint-key'),
      )
      .map((r) => r.path);
  }
}
