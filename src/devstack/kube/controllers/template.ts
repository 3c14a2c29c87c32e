// Pod templates as the controllers compare them: as Go's typed objects, through apiequality.Semantic,
// where a null, an empty map or list and an empty struct are the same as nothing. So the template kubectl
// sends back on `rollout undo` (with `creationTimestamp: null` and `resources: {}`, which its own typed
// round trip adds) matches the ReplicaSet or ControllerRevision it came from.
import { deepEqual } from '../ids.js';
import type { PodTemplate } from '../types.js';

/** The value with nulls and empty objects and lists dropped, recursively; undefined when nothing is left. */
function semantic(value: unknown): unknown {
  if (value === null) return undefined;
  if (Array.isArray(value)) {
    const items = value.map((v) => semantic(v) ?? {});
    return items.length === 0 ? undefined : items;
  }
  if (typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => [k, semantic(v)] as const)
    .filter(([, v]) => v !== undefined);
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

/** The template without one of its labels (the controller's own hash label). */
export function withoutLabel(template: PodTemplate, label: string): PodTemplate {
  const labels = { ...template.metadata?.labels };
  delete labels[label];
  return { ...template, metadata: { ...template.metadata, labels } };
}

export function semanticallyEqual(a: PodTemplate, b: PodTemplate): boolean {
  return deepEqual(semantic(a), semantic(b));
}
