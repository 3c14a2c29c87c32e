// Starts the stand-in: a Cluster loaded with a scenario, the default RBAC policy and the bot's
// ServiceAccount and roles, served over HTTP, with two kubeconfigs that point kubectl and
// @kubernetes/client-node at it: the admin's (system:masters) and the bot's (its ServiceAccount).
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { Authenticator, MASTERS } from './authn.js';
import { BOT_NAMESPACE, BOT_SERVICE_ACCOUNT, botManifests, installObjects } from './bot-identity.js';
import { bootstrapPolicy } from './bootstrap-policy.js';
import type { ClusterOptions } from './cluster.js';
import { Cluster } from './cluster.js';
import { customResourceDefinitions } from './crds.js';
import { expandScenario } from './expand.js';
import type { StandinFetch } from './fetch.js';
import { standinFetch } from './fetch.js';
import { kubeconfigYaml } from './kubeconfig.js';
import type { Scenario } from './scenario.js';
import type { Faults, Stats } from './server.js';
import { createApiServer } from './server.js';
import { servingCert } from './tls.js';

export interface KubeStandin {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  cluster: Cluster;
  /** The admin's kubeconfig (user kubernetes-admin, group system:masters): for people, kubectl and test setup. */
  writeKubeconfig(path: string): Promise<void>;
  kubeconfigYaml(): string;
  /** The bot's kubeconfig: the ServiceAccount carbon-ops/carbon-ops, with manifests/bot/base/rbac.yaml's rules. */
  writeBotKubeconfig(path: string): Promise<void>;
  botKubeconfigYaml(): string;
  /** A kubeconfig for any ServiceAccount (valid while the account exists). */
  serviceAccountKubeconfigYaml(namespace: string, name: string): string;
  /** The serving certificate (PEM), for clients that want to trust it. */
  ca: string;
  /** A raw request to the stand-in (a path like /api/v1/pods), as the admin unless `token` says otherwise
   * (`token: null`: no credentials). For tests that look at the wire. */
  fetch: StandinFetch;
  /** Mutable counters; reset them by assigning. */
  stats: Stats;
  /** Switch faults on and off at any time. */
  faults: Faults;
  /**
   * An API server restart as its clients see it, the cluster kept: open watches end and every connection is
   * dropped (with `faults.down` set meanwhile, reconnecting fails until it is cleared).
   */
  dropConnections(): void;
  /** Ends open watches, drops connections (hanging ones too) and stops the controllers' timers. */
  close(): Promise<void>;
}

export interface KubeStandinOptions {
  scenario: Scenario;
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  cluster?: ClusterOptions;
}

/** Builds a Cluster holding the scenario, without serving it (for in-process use and tests). */
export function clusterFromScenario(scenario: Scenario, options: ClusterOptions = {}): Cluster {
  const cluster = new Cluster(options);
  const { objects, behaviours } = expandScenario(scenario, cluster);
  for (const b of behaviours) {
    if (b.behaviour) cluster.setPodBehaviour(b.resource, b.namespace, b.name, b.behaviour);
    if (b.readyDelayMs !== undefined) cluster.setPodReadyDelay(b.resource, b.namespace, b.name, b.readyDelayMs);
  }
  for (const w of scenario.workloads) {
    if (w.logs === undefined) continue;
    const labels = { app: w.app ?? w.name, ...(w.component ? { component: w.component } : {}) };
    cluster.setPodLogs(w.namespace, labels, w.logs);
  }
  cluster.load([...customResourceDefinitions(cluster.now()), ...objects]);
  return cluster;
}

/** kubeadm's name for the cluster's first administrator. */
const ADMIN = 'kubernetes-admin';

async function writePrivate(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, { mode: 0o600 });
}

export async function startKubeStandin(opts: KubeStandinOptions): Promise<KubeStandin> {
  const host = opts.host ?? '127.0.0.1';
  const cluster = clusterFromScenario(opts.scenario, opts.cluster);
  installObjects(cluster, [...bootstrapPolicy(), ...(await botManifests())]);
  const authenticator = new Authenticator(cluster.store);
  const faults: Faults = { latencyMs: 0, down: false, expireContinueAfter: undefined, hang: false };
  const stats: Stats = { requests: 0, listRequests: {}, watchRequests: {}, refused: [] };
  const tls = servingCert();
  const api = createApiServer(cluster, faults, stats, authenticator, tls);
  try {
    await new Promise<void>((resolve, reject) => {
      api.server.once('error', reject);
      api.server.listen(opts.port ?? 0, host, () => resolve());
    });
  } catch (error) {
    cluster.close();
    throw error;
  }
  const { port } = api.server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `https://${urlHost}:${port}`;
  const adminToken = authenticator.issueUserToken(ADMIN, [MASTERS]);
  const adminYaml = kubeconfigYaml(url, tls.cert, { user: ADMIN, token: adminToken });
  const serviceAccountKubeconfigYaml = (namespace: string, name: string): string =>
    kubeconfigYaml(
      url,
      tls.cert,
      { user: name, token: authenticator.issueServiceAccountToken(namespace, name) },
      namespace,
    );
  const botYaml = serviceAccountKubeconfigYaml(BOT_NAMESPACE, BOT_SERVICE_ACCOUNT);
  return {
    url,
    cluster,
    stats,
    faults,
    kubeconfigYaml: () => adminYaml,
    writeKubeconfig: (path: string) => writePrivate(path, adminYaml),
    botKubeconfigYaml: () => botYaml,
    writeBotKubeconfig: (path: string) => writePrivate(path, botYaml),
    serviceAccountKubeconfigYaml,
    ca: tls.cert,
    fetch: standinFetch(url, tls.cert, adminToken),
    dropConnections: () => api.dropConnections(),
    async close() {
      cluster.close();
      await api.close();
    },
  };
}
