import { loadCatalogue, type Catalogue } from '../catalogue.js';
import type { Config } from '../config.js';
import { loadPolicy, type Policy } from '../policy/policy.js';

/** The catalogue and the policy: files only, no client library (the terminal answers `help` with them alone). */
export async function loadRules(config: Config): Promise<{ catalogue: Catalogue; policy: Policy }> {
  const [catalogue, policy] = await Promise.all([loadCatalogue(config.CATALOGUE_FILE), loadPolicy(config.POLICY_FILE)]);
  return { catalogue, policy };
}
