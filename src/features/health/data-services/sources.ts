import type { Config } from '../../../config.js';
import type { Kube } from '../../../integrations/kubernetes.js';
import type { VaultDeps } from '../../../integrations/vault-connection.js';

/** What the data checks read from: the settings, the cluster (Secrets, nodes, Certificates) and Vault. */
export interface DataSources {
  config: Pick<Config, 'KAFKA_BROKERS' | 'KAFKA_CLUSTERS' | 'DATA_CHECK_TIMEOUT_MS' | 'HTTPS_PROXY' | 'NO_PROXY'>;
  kube: Kube;
  vault?: VaultDeps;
}
