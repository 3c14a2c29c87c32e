import { z } from 'zod';
import { namespace } from '../fields.js';
import { fail, names, pass, type CheckKind } from './kind.js';

const schema = z.strictObject({ namespaces: z.array(namespace).min(1) });

/** Each namespace has a ResourceQuota. */
export type QuotasPresent = { kind: 'quotasPresent' } & z.infer<typeof schema>;

export const quotasPresent: CheckKind<QuotasPresent> = {
  kind: 'quotasPresent',
  schema,
  describe: (check) => `a ResourceQuota in each of ${check.namespaces.join(', ')}`,
  async evaluate(check, { kube }) {
    const missing: string[] = [];
    const present: string[] = [];
    for (const namespace of check.namespaces) {
      const quotas = await kube.list('v1', 'ResourceQuota', { namespace });
      if (quotas.length === 0) missing.push(namespace);
      else present.push(`${namespace} (${quotas.map((q) => q.metadata?.name).join(', ')})`);
    }
    const summary = `${present.length} of ${check.namespaces.length} namespaces have a ResourceQuota`;
    return missing.length === 0
      ? pass(`${summary}: ${names(present, 6)}`)
      : fail(`${summary}; none in ${missing.join(', ')}`);
  },
};
