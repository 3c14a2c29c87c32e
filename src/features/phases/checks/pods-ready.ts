import { z } from 'zod';
import { isReady } from '../../health/pod-state.js';
import { labelSelector, namespace } from '../fields.js';
import { fail, pass, type CheckKind } from './kind.js';

const schema = z.strictObject({ namespace, selector: labelSelector, expect: z.number().int().min(1).max(1000) });

/** At least `expect` pods matching the selector are Ready. */
export type PodsReady = { kind: 'podsReady' } & z.infer<typeof schema>;

export const podsReady: CheckKind<PodsReady> = {
  kind: 'podsReady',
  schema,
  describe: (check) => `at least ${check.expect} pods \`${check.selector}\` Ready in ${check.namespace}`,
  async evaluate(check, { kube }) {
    const pods = (await kube.listPods({ namespace: check.namespace, labelSelector: check.selector })).filter(
      (p) => p.metadata?.deletionTimestamp === undefined,
    );
    const ready = pods.filter(isReady).length;
    const summary =
      `${ready} of ${pods.length} pods \`${check.selector}\` Ready in ${check.namespace} ` +
      `(expected ${check.expect})`;
    return ready >= check.expect ? pass(summary) : fail(summary);
  },
};
