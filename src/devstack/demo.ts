import { wireConfigMapConsumers } from './demo-secrets.js';
import { loadScenario, startKubeStandin, type KubeStandin } from './kube/index.js';
import { startVaultStandin, type VaultStandin } from './vault/index.js';

export interface DemoCluster {
  url: string;
  clusterName: string;
  kube: KubeStandin;
  /** The platform's Vault, empty at first (the security plan's "Secrets in Vault: 0 %"), KV v2 at `secret`. */
  vault: VaultStandin;
  /** The admin's kubeconfig (system:masters). */
  kubeconfigYaml(): string;
  /** The bot's: the carbon-ops ServiceAccount, with manifests/bot/base/rbac.yaml's rules. */
  botKubeconfigYaml(): string;
  close(): Promise<void>;
}

export const DEMO_CLUSTER_NAME = '254carbon-demo';

/**
 * The 254Carbon platform at the start of Phase 4, served by the stand-ins: what a newcomer sees on `npm start`.
 * Its ConfigMaps still hold platform credentials, read by the workloads wired in demo-secrets.ts; the Vault
 * stand-in beside it is where `vault migrate` moves them.
 */
export async function startDemoCluster(
  options: { port?: number; podReadyDelayMs?: number; vaultPort?: number } = {},
): Promise<DemoCluster> {
  const scenario = await loadScenario('254carbon');
  // Deadlines scaled so a stuck rollout ends in ProgressDeadlineExceeded within seconds, not 10 minutes.
  const cluster = { podReadyDelayMs: options.podReadyDelayMs ?? 1500, progressDeadlineScale: 0.05 };
  const kube = await startKubeStandin({
    scenario,
    cluster,
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  wireConfigMapConsumers(kube.cluster);
  let vault: VaultStandin;
  try {
    vault = await startVaultStandin({ ...(options.vaultPort !== undefined ? { port: options.vaultPort } : {}) });
  } catch (error) {
    await kube.close();
    throw error;
  }
  return {
    url: kube.url,
    clusterName: DEMO_CLUSTER_NAME,
    kube,
    vault,
    kubeconfigYaml: () => kube.kubeconfigYaml(),
    botKubeconfigYaml: () => kube.botKubeconfigYaml(),
    close: async () => {
      await vault.close();
      await kube.close();
    },
  };
}
