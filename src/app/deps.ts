import type { Metrics } from '../contracts/metrics.js';
import { ConfigError, type Config } from '../config.js';
import type { ClusterInfo } from '../integrations/kubernetes.js';
import { Kube } from '../integrations/kubernetes.js';
import { kubeAccessFromYaml } from '../integrations/kubeconfig.js';
import { createPool, startEmbeddedPostgres } from '../integrations/postgres.js';
import { redactUrl, type Logger } from '../log.js';
import { migrateAs, pendingVersions } from '../store/migrate.js';
import { excessPrivilege } from '../store/privileges.js';
import { Store } from './store.js';
export { loadRules } from './rules.js';
import { vaultFromConfig, type VaultDeps } from '../integrations/vault-connection.js';

/**
 * Builds the narrow clients once, explicitly, and remembers how to close them (in reverse order) so
 * SIGTERM or the end of a CLI command leaves nothing running.
 */
export class Closer {
  private readonly steps: (() => Promise<unknown>)[] = [];

  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  async closeAll(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await step().catch(() => undefined);
  }
}

export interface Connected<T> {
  value: T;
  /** One line for the start banner: what this process is connected to. */
  description: string;
}

/**
 * The bot's PostgreSQL: DATABASE_URL, or the embedded server under CARBON_DATA_DIR when it is unset. With
 * a migration role (DATABASE_MIGRATION_URL, or the embedded server's superuser) the pending migrations
 * run first and grant the bot's role its privileges; without one, a schema behind this release is
 * refused with what to do. The store then works as the bot's role, warned about if it holds more.
 */
export async function openStore(
  config: Config,
  log: Logger,
  closer: Closer,
  metrics?: Metrics,
): Promise<Connected<Store>> {
  const database = await locateDatabase(config, log, closer);
  const store = new Store(createPool(database.url), metrics);
  closer.add(() => store.close());
  try {
    if (database.migrationUrl !== undefined) await migrateAs(database.migrationUrl, await store.role());
    const pending = await pendingVersions(store.pool);
    if (pending.length > 0) throw new Error(schemaBehind(pending));
  } catch (error) {
    throw new Error(`PostgreSQL (${redactUrl(database.url)}) is not usable: ${(error as Error).message}`);
  }
  const excess = await excessPrivilege(store.pool);
  if (excess !== undefined) {
    log.warn(
      { store: database.description },
      `DATABASE_URL: ${excess}, so it could change or drop the audit trail; give the bot a role of its own (README: PostgreSQL roles)`,
    );
  }
  return { value: store, description: database.description };
}

/** Where the database is, and the migration role's connection when there is one. */
async function locateDatabase(
  config: Config,
  log: Logger,
  closer: Closer,
): Promise<{ url: string; migrationUrl?: string; description: string }> {
  const { DATABASE_URL: url, DATABASE_MIGRATION_URL: migrationUrl } = config;
  if (url !== undefined) {
    const migrates = migrationUrl === undefined ? 'no migration role' : 'migrated at start';
    return {
      url,
      ...(migrationUrl ? { migrationUrl } : {}),
      description: `PostgreSQL ${redactUrl(url)} (${migrates})`,
    };
  }
  if (migrationUrl !== undefined)
    throw new ConfigError(
      'DATABASE_MIGRATION_URL is set without DATABASE_URL: set both, or neither (the embedded PostgreSQL).',
    );
  const embedded = await startEmbeddedPostgres(config.CARBON_DATA_DIR, log);
  closer.add(() => embedded.stop());
  return { ...embedded, description: `PostgreSQL embedded under ${config.CARBON_DATA_DIR}/pg (DATABASE_URL unset)` };
}

const schemaBehind = (pending: number[]): string =>
  `its schema lacks migration(s) ${pending.join(', ')} of this carbon-ops, and the bot's role (DATABASE_URL) ` +
  'may not change the schema: run `carbon migrate` with DATABASE_MIGRATION_URL (the schema owner) and ' +
  'DATABASE_URL set, or set DATABASE_MIGRATION_URL for this process so that it migrates at start';

export interface ClusterConnection {
  kube: Kube;
  cluster: ClusterInfo;
  /** The Vault beside the cluster: VAULT_ADDR, or the demo's stand-in. */
  vault?: VaultDeps;
}

/** What openCluster uses of an in-process demo cluster (src/devstack/demo.ts makes one). */
export interface InProcessDemo {
  url: string;
  clusterName: string;
  vault: { url: string; rootToken: string };
  /** The bot's kubeconfig: its ServiceAccount, as in a real cluster. */
  botKubeconfigYaml(): string;
  close(): Promise<void>;
}

/**
 * Starts the demo. The composition root (main.ts) passes it in, so product code never imports the
 * simulator and a process that needs no demo (a worker, the bot) never loads it.
 */
export type StartDemo = (options: { podReadyDelayMs: number }) => Promise<InProcessDemo>;

/**
 * The cluster the settings name (KUBECONFIG, or the in-cluster service account). With neither, and only
 * when given `startDemo`, the 254Carbon demo cluster is started in-process, with its Vault stand-in.
 */
export async function openCluster(
  config: Config,
  closer: Closer,
  startDemo?: StartDemo,
  metrics?: Metrics,
): Promise<Connected<ClusterConnection>> {
  const options = {
    requestTimeoutMs: config.KUBE_REQUEST_TIMEOUT_MS,
    pageSize: config.KUBE_PAGE_SIZE,
    ...(metrics !== undefined ? { metrics } : {}),
  };
  const inCluster = process.env.KUBERNETES_SERVICE_HOST !== undefined;
  if (config.KUBECONFIG === undefined && !inCluster) {
    if (startDemo === undefined)
      throw new Error('No cluster configured: set KUBECONFIG, or run inside Kubernetes with a service account.');
    const demo = await startDemo({ podReadyDelayMs: config.DEMO_POD_READY_DELAY_MS });
    closer.add(() => demo.close());
    // The bot runs as its ServiceAccount, as in a cluster.
    const kube = new Kube(kubeAccessFromYaml(demo.botKubeconfigYaml()), options);
    const cluster = { name: config.CLUSTER_NAME ?? demo.clusterName, simulated: true };
    const demoVault = { addr: demo.vault.url, token: demo.vault.rootToken, simulated: true };
    const vault = vaultFromConfig(config, demoVault, false, metrics)!;
    return {
      value: { kube, cluster, vault },
      description:
        `cluster ${cluster.name}: the simulated 254Carbon demo, ` +
        `in-process at ${demo.url} (KUBECONFIG unset), with a Vault stand-in at ${demo.vault.url}`,
    };
  }
  const kube = Kube.fromOptions({
    ...options,
    ...(config.KUBECONFIG !== undefined ? { kubeconfig: config.KUBECONFIG } : {}),
  });
  const simulated = await isDevstack(kube);
  const cluster = { name: config.CLUSTER_NAME ?? kube.context, simulated };
  const source = config.KUBECONFIG !== undefined ? `KUBECONFIG ${config.KUBECONFIG}` : 'in-cluster service account';
  const vault = vaultFromConfig(config, undefined, simulated, metrics);
  const vaultLine =
    vault === undefined ? '; Vault not configured (VAULT_ADDR unset)' : `; Vault at ${redactUrl(vault.addr)}`;
  return {
    value: { kube, cluster, ...(vault ? { vault } : {}) },
    description:
      `cluster ${cluster.name} at ${kube.server} ` +
      `(${source}${simulated ? ', a simulated devstack' : ''})${vaultLine}`,
  };
}

/** The devstack says what it is in /version, so every report from it is marked simulated. */
async function isDevstack(kube: Kube): Promise<boolean> {
  try {
    const version = await kube.version();
    return /devstack/i.test(`${version.gitVersion} ${version.platform}`);
  } catch {
    return false; // unreachable now: the jobs will report that clearly when they run
  }
}
