import { z } from 'zod';
import { measureCoverage } from '../../vault/coverage.js';
import { namespace } from '../fields.js';
import { fail, names, pass, type CheckKind } from './kind.js';

const schema = z.strictObject({ namespace: namespace.optional(), minPct: z.number().min(0).max(100) });

/**
 * At least `minPct` % of the secret-looking ConfigMap keys are in Vault (`vault migrate`; the coverage `vault status`
 * shows).
 */
export type SecretsInVault = { kind: 'secretsInVault' } & z.infer<typeof schema>;

export const secretsInVault: CheckKind<SecretsInVault> = {
  kind: 'secretsInVault',
  schema,
  describe: (check) =>
    `at least ${check.minPct} % of the secret-looking ConfigMap ` +
    `keys ${check.namespace ? `in ${check.namespace} ` : ''}are in Vault`,
  async evaluate(check, deps) {
    const coverage = await measureCoverage(deps, check.namespace);
    const pct = coverage.total === 0 ? 100 : Math.round((coverage.inVault / coverage.total) * 1000) / 10;
    const plain = coverage.configMaps
      .filter((c) => c.keys.some((k) => k.state === 'plain'))
      .map((c) => `${c.namespace}/${c.name}`);
    const summary =
      `${coverage.inVault} of ${coverage.total} secret-looking ConfigMap keys` +
      `${check.namespace ? ` in ${check.namespace}` : ''} in Vault (${pct} %)`;
    if (pct >= check.minPct) return pass(`${summary} ≥ ${check.minPct} %`);
    return fail(`${summary} < ${check.minPct} %; still in ConfigMaps: ${names(plain)} (\`vault migrate\` moves them)`);
  },
};
