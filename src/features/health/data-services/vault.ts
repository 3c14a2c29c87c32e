import { VaultError } from '../../../integrations/vault.js';
import { redactUrl } from '../../../log.js';
import { bounded, judged, notMeasured, reasonOf, unreachedCode, type CheckOutcome } from './check.js';
import type { DataSources } from './sources.js';

/** Vault's `sys/health`, as `vault status` reads it: initialized, sealed, standby, version. */
export async function checkVault(sources: DataSources): Promise<CheckOutcome & { source: string }> {
  const { vault } = sources;
  if (vault === undefined) return { ...notMeasured('not configured (VAULT_ADDR unset)'), source: 'Vault sys/health' };
  const source = `${vault.simulated ? 'the Vault stand-in' : 'Vault'} sys/health at ${redactUrl(vault.addr)}`;
  try {
    const h = await bounded(sources.config.DATA_CHECK_TIMEOUT_MS, 'Vault sys/health', vault.client.health());
    const problems = [...(h.initialized ? [] : ['not initialized']), ...(h.sealed ? ['sealed'] : [])];
    const summary =
      `${h.initialized ? 'initialized' : 'not initialized'}, ${h.sealed ? 'sealed' : 'unsealed'}, ` +
      `${h.standby ? 'standby' : 'active'}, version ${h.version}`;
    return { ...judged(summary, problems), source };
  } catch (error) {
    const unreached =
      unreachedCode(error) ?? (error instanceof VaultError && ['Unavailable', 'Timeout'].includes(error.kind));
    if (unreached) return { ...notMeasured(`Vault did not answer: ${reasonOf(error)}`), source };
    return { ...judged(`sys/health refused: ${reasonOf(error)}`, ['sys/health did not answer as Vault does']), source };
  }
}
