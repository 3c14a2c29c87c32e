import { measureCoverage } from '../../vault/coverage.js';
import { measured, notMeasured, type SectionProvider } from '../sections.js';

export interface VaultCoverage {
  /** Secret-looking ConfigMap keys that are in Vault (migrated and verified, or cut over). */
  migrated: number;
  total: number;
  /** Not yet in Vault, as `namespace/configmap/key` (names only, never a value). */
  unmigrated: string[];
  measuredAt: Date;
  /** The stored coverage snapshot this figure is, for handoffs to cite. */
  snapshotId?: string;
  source: string;
}

/**
 * Vault coverage as `vault status` measures it (src/features/vault/coverage.ts), cluster-wide, kept as a coverage
 * snapshot so a later handoff can start from it. Needs no Vault connection: ConfigMaps and recorded migrations.
 */
export const vaultCoverage: SectionProvider<VaultCoverage, { record?: boolean }> = {
  title: 'Vault coverage',
  async collect(ctx, { record }) {
    const coverage = await measureCoverage(ctx);
    if (coverage.total === 0)
      return notMeasured('no secret-looking ConfigMap keys were found and none were migrated: nothing to cover.');
    const unmigrated = coverage.configMaps.flatMap((c) =>
      c.keys.filter((k) => k.state === 'plain').map((k) => `${c.namespace}/${c.name}/${k.key}`),
    );
    const snapshotId =
      record === false
        ? undefined
        : await ctx.store.vaultCoverage.insert({
            cluster: ctx.cluster.name,
            at: ctx.now,
            inVault: coverage.inVault,
            total: coverage.total,
            jobId: ctx.jobId,
          });
    return measured({
      migrated: coverage.inVault,
      total: coverage.total,
      unmigrated,
      measuredAt: ctx.now,
      ...(snapshotId ? { snapshotId } : {}),
      source: 'secret-looking ConfigMap keys read now vs keys migrated and verified by carbon-ops',
    });
  },
};
