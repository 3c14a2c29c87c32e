import { loadScenario, startKubeStandin, type KubeStandin } from './kube/index.js';

export interface DemoCluster {
  url: string;
  clusterName: string;
  kube: KubeStandin;
  kubeconfigYaml(): string;
  close(): Promise<void>;
}

export const DEMO_CLUSTER_NAME = '254carbon-demo';

/** The 254Carbon platform at the start of Phase 4, served by the stand-ins: what a newcomer sees on `npm start`. */
export async function startDemoCluster(options: { port?: number; podReadyDelayMs?: number } = {}): Promise<DemoCluster> {
  const scenario = await loadScenario('254carbon');
  // Deadlines scaled so a stuck rollout ends in ProgressDeadlineExceeded within seconds, not 10 minutes.
  const cluster = { podReadyDelayMs: options.podReadyDelayMs ?? 1500, progressDeadlineScale: 0.05 };
  const kube = await startKubeStandin({ scenario, cluster, ...(options.port !== undefined ? { port: options.port } : {}) });
  return {
    url: kube.url,
    clusterName: DEMO_CLUSTER_NAME,
    kube,
    kubeconfigYaml: () => kube.kubeconfigYaml(),
    close: () => kube.close(),
  };
}
