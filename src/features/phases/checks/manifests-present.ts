import { z } from 'zod';
import { ClusterUnavailable } from '../../../integrations/kubernetes.js';
import { manifestPath, selection } from '../fields.js';
import type { PhaseObject } from '../manifests.js';
import { fail, names, pass, ref, type CheckKind } from './kind.js';

const schema = z.strictObject({ manifests: z.array(manifestPath).min(1), select: selection.optional() });

/** The objects of these manifests exist (applied by someone else, e.g. RBAC by a cluster admin). */
export type ManifestsPresent = { kind: 'manifestsPresent'; objects?: PhaseObject[] } & z.infer<typeof schema>;

export const manifestsPresent: CheckKind<ManifestsPresent> = {
  kind: 'manifestsPresent',
  schema,
  async resolve(check, at, manifests, problems) {
    const objects = await manifests.select(check.manifests, check.select, at, problems);
    return objects === undefined ? undefined : { ...check, objects };
  },
  describe: (check) => `the ${check.objects?.length ?? 0} objects of ${check.manifests.join(', ')} exist`,
  async evaluate(check, { kube }) {
    const objects = check.objects ?? [];
    const missing: string[] = [];
    for (const { object } of objects) {
      try {
        if ((await kube.read(object)) === undefined) missing.push(`${object.kind} ${ref(object)}`);
      } catch (error) {
        if (error instanceof ClusterUnavailable) throw error;
        missing.push(`${object.kind} ${ref(object)} (${(error as Error).message})`);
      }
    }
    const present = objects.length - missing.length;
    const summary = `${present} of ${objects.length} objects of ${check.manifests.join(', ')} present`;
    return missing.length === 0 ? pass(summary) : fail(`${summary}; missing: ${names(missing)}`);
  },
};
