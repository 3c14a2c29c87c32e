import { notMeasured, type SectionProvider } from '../sections.js';

export interface VaultCoverage {
  /** Secrets the platform needs that are in Vault. */
  migrated: number;
  total: number;
  /** Not yet in Vault, by name (never a value). */
  unmigrated: string[];
  measuredAt: Date;
  source: string;
}

/**
 * Vault coverage: the share of the platform's secrets that live in Vault. This deployment records no
 * Vault migration yet; until it does the section says so instead of showing a percentage.
 */
export const vaultCoverage: SectionProvider<VaultCoverage, { at?: Date }> = {
  title: 'Vault coverage',
  async collect() {
    return notMeasured('no Vault coverage is recorded in this deployment yet (`vault status` measures it).');
  },
};
