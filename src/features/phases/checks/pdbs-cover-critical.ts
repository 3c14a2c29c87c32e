import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { z } from 'zod';
import type { Kube } from '../../../integrations/kubernetes.js';
import { fail, names, pass, type CheckKind } from './kind.js';

const schema = z.strictObject({});

/** Every critical catalogue service running more than one replica is covered by a PodDisruptionBudget. */
export type PdbsCoverCritical = { kind: 'pdbsCoverCritical' } & z.infer<typeof schema>;

export const pdbsCoverCritical: CheckKind<PdbsCoverCritical> = {
  kind: 'pdbsCoverCritical',
  schema,
  describe: () => 'every critical service with more than one replica has a PodDisruptionBudget',
  async evaluate(_check, { kube, catalogue }) {
    const critical = catalogue.services.filter((s) => s.critical);
    const covered: string[] = [];
    const uncovered: string[] = [];
    const pdbsByNamespace = new Map<string, Awaited<ReturnType<Kube['listPodDisruptionBudgets']>>>();
    for (const service of critical) {
      const workload = await kube.readWorkload(service.kind, service.namespace, service.workload);
      const replicas = workload?.spec?.replicas ?? 0;
      if (workload === undefined || replicas <= 1) continue;
      if (!pdbsByNamespace.has(service.namespace))
        pdbsByNamespace.set(service.namespace, await kube.listPodDisruptionBudgets(service.namespace));
      const labels = workload.spec?.template?.metadata?.labels ?? {};
      const pdb = pdbsByNamespace.get(service.namespace)!.find((p) => selects(p.spec?.selector, labels));
      if (pdb !== undefined) covered.push(`${service.name} (${pdb.metadata?.name})`);
      else uncovered.push(`${service.name} (${replicas} replicas)`);
    }
    const summary =
      `${covered.length} of ${covered.length + uncovered.length} critical services with more ` +
      'than one replica covered';
    if (uncovered.length > 0) return fail(`${summary}; no PodDisruptionBudget: ${names(uncovered)}`);
    return pass(`${summary}: ${names(covered, 8)}`);
  },
};

/**
 * Whether a label selector selects a pod with `labels` (matchLabels and matchExpressions). An empty selector selects
 * all.
 */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const e of selector.matchExpressions ?? []) {
    const value = labels[e.key];
    const values = e.values ?? [];
    if (e.operator === 'In' && (value === undefined || !values.includes(value))) return false;
    if (e.operator === 'NotIn' && value !== undefined && values.includes(value)) return false;
    if (e.operator === 'Exists' && value === undefined) return false;
    if (e.operator === 'DoesNotExist' && value !== undefined) return false;
  }
  return true;
}
