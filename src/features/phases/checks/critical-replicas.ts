import { z } from 'zod';
import { fail, names, pass, type CheckKind } from './kind.js';

const schema = z.strictObject({ min: z.number().int().min(1).max(100) });

/** Every critical catalogue service runs at least `min` replicas. */
export type CriticalReplicas = { kind: 'criticalReplicas' } & z.infer<typeof schema>;

export const criticalReplicas: CheckKind<CriticalReplicas> = {
  kind: 'criticalReplicas',
  schema,
  describe: (check) => `every critical service runs at least ${check.min} replicas`,
  async evaluate(check, _deps, view) {
    const critical = (await view.health()).services.filter((s) => s.critical);
    const short = critical
      .filter((s) => s.desired < check.min)
      .map((s) => `${s.name} (${s.status === 'missing' ? 'missing' : s.desired})`);
    const summary =
      `${critical.length - short.length} of ${critical.length} critical services run at ` +
      `least ${check.min} replicas`;
    return short.length === 0 ? pass(summary) : fail(`${summary}; fewer: ${names(short, 6)}`);
  },
};
