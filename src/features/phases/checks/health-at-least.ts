import { z } from 'zod';
import { fail, pass, type CheckKind } from './kind.js';

const schema = z.strictObject({ pct: z.number().min(0).max(100) });

/** Platform health (ready ÷ (all − Succeeded)) is at least `pct`. */
export type HealthAtLeast = { kind: 'healthAtLeast' } & z.infer<typeof schema>;

export const healthAtLeast: CheckKind<HealthAtLeast> = {
  kind: 'healthAtLeast',
  schema,
  describe: (check) => `platform health at least ${check.pct} %`,
  async evaluate(check, { cluster }, view) {
    const report = await view.health();
    const pct = report.healthPct;
    const summary =
      `platform health ${pct === null ? 'n/a' : `${pct.toFixed(1)} %`} (${report.pods.ready} ` +
      `of ${report.pods.counted} pods ready) on ${cluster.name}`;
    return pct !== null && pct >= check.pct ? pass(`${summary} ≥ ${check.pct} %`) : fail(`${summary} < ${check.pct} %`);
  },
};
