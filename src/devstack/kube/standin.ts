// Starts the stand-in: a Cluster loaded with a scenario, served over HTTP, with the kubeconfig that
// points kubectl and @kubernetes/client-node at it.
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import type { ClusterOptions } from './cluster.js';
import { Cluster } from './cluster.js';
import { customResourceDefinitions } from './crds.js';
import { expandScenario } from './expand.js';
import { kubeconfigYaml } from './kubeconfig.js';
import type { Scenario } from './scenario.js';
import type { Faults, Stats } from './server.js';
import { createApiServer } from './server.js';

export interface KubeStandin {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  cluster: Cluster;
  writeKubeconfig(path: string): Promise<void>;
  kubeconfigYaml(): string;
  /** Mutable counters; reset them by assigning. */
  stats: Stats;
  /** Switch faults on and off at any time. */
  faults: Faults;
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
  cluster.load([...customResourceDefinitions(cluster.now()), ...objects]);
  return cluster;
}

export async function startKubeStandin(opts: KubeStandinOptions): Promise<KubeStandin> {
  const host = opts.host ?? '127.0.0.1';
  const cluster = clusterFromScenario(opts.scenario, opts.cluster);
  const faults: Faults = { latencyMs: 0, down: false, expireContinueAfter: undefined, hang: false };
  const stats: Stats = { requests: 0, listRequests: {}, watchRequests: {} };
  const api = createApiServer(cluster, faults, stats);
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
  const url = `http://${urlHost}:${port}`;
  const yaml = kubeconfigYaml(url);
  return {
    url,
    cluster,
    stats,
    faults,
    kubeconfigYaml: () => yaml,
    async writeKubeconfig(path: string) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, yaml, { mode: 0o600 });
    },
    async close() {
      cluster.close();
      await api.close();
    },
  };
}
