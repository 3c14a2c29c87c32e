import { UserError } from '../../errors.js';
import { vaultStatusMessage, type VaultStatusReport } from './render.js';
import { measureCoverage } from './coverage.js';
import { readFingerprinter } from './fingerprint.js';
import type { JobDefinition } from '../../jobs/job.js';

/**
 * `/carbon vault status`: Vault's state and the coverage. Secret-looking keys are found in the
 * ConfigMaps (read in this process only); "in Vault" means migrated and verified by carbon-ops (and
 * not rolled back); keys a cutover removed from their ConfigMap still count. Names and counts only.
 */
export const vaultStatus: JobDefinition<'vault-status'> = {
  attempts: 2,
  async run({ data, deps, progress }) {
    const { kube, cluster, vault } = deps;
    const { namespace } = data.command;
    if (namespace !== undefined && !(await kube.namespaceExists(namespace)))
      throw new UserError(`Namespace \`${namespace}\` does not exist in ${cluster.name}.`);
    await progress('Reading ConfigMaps and Vault…');
    const health =
      vault === undefined
        ? undefined
        : await vault.client.health().then(
            (h) => ({ health: h }),
            (error: Error) => ({ problem: error.message }),
          );
    // Vault reachable and active: each verified key still in its ConfigMap is compared with the value migrated.
    const active = health !== undefined && 'health' in health && health.health.ok;
    const coverage = await measureCoverage(
      deps,
      namespace,
      vault !== undefined && active ? () => readFingerprinter(vault.client, vault.mount) : undefined,
    );
    const report: VaultStatusReport = {
      cluster,
      ...(namespace !== undefined ? { namespace } : {}),
      vault: vault === undefined ? undefined : { addr: vault.addr, simulated: vault.simulated, ...health },
      ...coverage,
    };
    return vaultStatusMessage(report);
  },
};
