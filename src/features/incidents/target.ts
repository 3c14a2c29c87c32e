import type { IncidentTarget } from './buttons.js';

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The workload an alert names, from the labels kube-state-metrics and most rules carry: `namespace` with
 * `deployment`, `statefulset` or `pod` (a pod's owner is found when Restart is clicked). Undefined when
 * the labels name none, or name it in a way Kubernetes would not accept.
 */
export function alertTarget(labels: Readonly<Record<string, string>>): IncidentTarget | undefined {
  const namespace = labels['namespace'];
  if (namespace === undefined || !NAMESPACE.test(namespace)) return undefined;
  for (const kind of ['deployment', 'statefulset', 'pod'] as const) {
    const name = labels[kind];
    if (name !== undefined && NAME.test(name)) return { namespace, kind, name };
  }
  return undefined;
}
