import { z } from 'zod';
import { fail, pass, type CheckKind } from './kind.js';

const schema = z.strictObject({});

/** Vault answers, initialized and unsealed (needs a configured Vault client). */
export type VaultUnsealed = { kind: 'vaultUnsealed' } & z.infer<typeof schema>;

export const vaultUnsealed: CheckKind<VaultUnsealed> = {
  kind: 'vaultUnsealed',
  schema,
  describe: () => 'Vault answers, initialized and unsealed',
  async evaluate(_check, deps) {
    if (deps.vault === undefined)
      return {
        outcome: 'unverifiable',
        detail: 'no Vault is configured for carbon-ops (VAULT_ADDR), so this cannot be checked',
      };
    try {
      const health = await deps.vault.client.health();
      const where = `${deps.vault.simulated ? 'the simulated Vault' : 'Vault'} at ${deps.vault.addr}`;
      const summary =
        `${where} (${health.version}): ${health.initialized ? 'initialized' : 'NOT initialized'}, ` +
        `${health.sealed ? 'SEALED' : 'unsealed'} (${health.status})`;
      return health.initialized && !health.sealed ? pass(summary) : fail(summary);
    } catch (error) {
      return fail(`Vault does not answer: ${(error as Error).message}`);
    }
  },
};
