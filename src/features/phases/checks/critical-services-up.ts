import { z } from 'zod';
import { fail, names, pass, type CheckKind } from './kind.js';

const schema = z.strictObject({});

/** Every critical catalogue service is fully up (ready = desired). */
export type CriticalServicesUp = { kind: 'criticalServicesUp' } & z.infer<typeof schema>;

export const criticalServicesUp: CheckKind<CriticalServicesUp> = {
  kind: 'criticalServicesUp',
  schema,
  describe: () => 'every critical service fully up (ready = desired)',
  async evaluate(_check, _deps, view) {
    const critical = (await view.health()).services.filter((s) => s.critical);
    const down = critical
      .filter((s) => s.status !== 'up')
      .map((s) => `${s.name} (${s.status === 'missing' ? 'missing' : `${s.ready}/${s.desired}`})`);
    const summary = `${critical.length - down.length} of ${critical.length} critical services fully up`;
    return down.length === 0 ? pass(summary) : fail(`${summary}; not: ${names(down, 6)}`);
  },
};
