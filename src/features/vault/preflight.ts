import { UserError } from '../../errors.js';
import { VaultError, type VaultHealth } from '../../integrations/vault.js';
import type { VaultDeps } from '../../integrations/vault-connection.js';

/** Vault is needed and not configured. */
export function requireVault(vault: VaultDeps | undefined): VaultDeps {
  if (vault === undefined)
    throw new UserError(
      'Vault is not configured for carbon-ops: set VAULT_ADDR and VAULT_TOKEN (or VAULT_K8S_ROLE). Nothing was done.',
    );
  return vault;
}

const STATE_WORDS: Record<VaultHealth['status'], string> = {
  active: 'active',
  standby: 'a standby node (writes go to the active node)',
  'perf-standby': 'a performance standby (it does not take writes)',
  'dr-secondary': 'a DR secondary (it does not take writes)',
  sealed: 'sealed',
  uninitialized: 'not initialized',
};

/**
 * Vault must be active (initialized, unsealed, not a standby) before anything is planned or written:
 * node-vault's health() resolves on a sealed Vault; this reads the state and refuses.
 */
export async function requireActive(vault: VaultDeps, doing: string): Promise<VaultHealth> {
  let health: VaultHealth;
  try {
    health = await vault.client.health();
  } catch (error) {
    throw explainVault(error, vault, doing);
  }
  if (!health.ok)
    throw new UserError(
      `Vault at ${vault.addr} is ${STATE_WORDS[health.status]}: ${doing} refused, nothing was written. ` +
        'Ask again when it is active.',
    );
  return health;
}

/** A Vault failure as the user reads it: what was attempted and why, names only (VaultError never holds a value). */
export function explainVault(error: unknown, vault: VaultDeps, doing: string): Error {
  if (!(error instanceof VaultError)) return error as Error;
  switch (error.kind) {
    case 'Unavailable':
    case 'Timeout':
      return new UserError(`Vault at ${vault.addr} does not answer (${error.message}): ${doing} stopped.`);
    case 'Sealed':
      return new UserError(`Vault at ${vault.addr} is sealed: ${doing} stopped.`);
    case 'Standby':
      return new UserError(`Vault at ${vault.addr} is a standby node: ${doing} stopped.`);
    case 'PermissionDenied':
      return new UserError(
        `Vault refused carbon-ops' token (${error.message}), also after renewing it once: ${doing} stopped.`,
      );
    default:
      return new UserError(`${error.message}: ${doing} stopped.`);
  }
}

/** Transient: the migration stops with its state recorded and continues on the next run. */
export const vaultGone = (error: unknown): boolean =>
  error instanceof VaultError && ['Unavailable', 'Timeout', 'Sealed', 'Standby'].includes(error.kind);
