import { ConfigError, type Config } from '../config.js';
import type { Metrics } from '../contracts/metrics.js';
import { createVaultClient, VaultError, type VaultClient } from './vault.js';

/** The Vault the vault jobs use: the client, where it is, the default KV mount. */
export interface VaultDeps {
  client: VaultClient;
  addr: string;
  /** VAULT_KV_MOUNT: where secrets go unless a command names --mount. */
  mount: string;
  /** The demo's stand-in, not a real Vault: reports say so. */
  simulated: boolean;
  /** The Vault role written into the consumers' injector annotations at cutover. */
  injectRole: string;
}

/** VAULT_ADDR with VAULT_TOKEN and/or Kubernetes auth; undefined when VAULT_ADDR is unset. */
export function vaultFromConfig(
  config: Config,
  override?: { addr: string; token: string; simulated: boolean },
  devstack = false,
  metrics?: Metrics,
): VaultDeps | undefined {
  const addr = override?.addr ?? config.VAULT_ADDR;
  if (addr === undefined) return undefined;
  const token = override?.token ?? config.VAULT_TOKEN;
  const kubernetesAuth =
    override === undefined && config.VAULT_K8S_ROLE !== undefined
      ? { role: config.VAULT_K8S_ROLE, jwtPath: config.VAULT_K8S_JWT_PATH }
      : undefined;
  let client: VaultClient;
  try {
    client = createVaultClient({
      addr,
      ...(token !== undefined ? { token } : {}),
      ...(kubernetesAuth !== undefined ? { kubernetesAuth } : {}),
      skipVerify: config.VAULT_SKIP_VERIFY,
      timeoutMs: config.VAULT_REQUEST_TIMEOUT_MS,
      ...(metrics !== undefined ? { metrics } : {}),
    });
  } catch (error) {
    if (!(error instanceof VaultError)) throw error;
    throw new ConfigError(
      `Invalid Vault settings (see .env.example): ${error.message.replace(/^Vault client setup: /, '')}; ` +
        'set VAULT_TOKEN or VAULT_K8S_ROLE with VAULT_ADDR.',
    );
  }
  return {
    client,
    addr,
    mount: config.VAULT_KV_MOUNT,
    simulated: override?.simulated ?? devstack,
    injectRole: config.VAULT_INJECT_ROLE,
  };
}
