// The admission plugins that act on new pods, after the real ones (plugin/pkg/admission):
// - LimitRanger: containers without requests or limits get the namespace's LimitRange defaults (noted in
//   the kubernetes.io/limit-ranger annotation), then each container's min/max are enforced;
// - ResourceQuota: when a quota constrains cpu or memory, every container must state that resource
//   ("failed quota: ... must specify"), and the pod must fit what is left ("exceeded quota: ...").
// Refusals are 403 Forbidden with the plugins' messages. Quota scopes are not modelled.
import { podAmount, podHas } from './controllers/quota.js';
import type { Quantity } from './quantity.js';
import { addQuantities, formatQuantity, parseQuantity } from './quantity.js';
import { ApiError } from './status.js';
import type { JsonObject, KubeObject } from './types.js';
import { isRecord } from './types.js';

export interface PodAdmissionContext {
  /** The namespace's LimitRanges (the LimitRanger admission plugin defaults new pods from them). */
  limitRanges?(namespace: string): KubeObject[];
  /** The namespace's ResourceQuotas. */
  resourceQuotas?(namespace: string): KubeObject[];
  /** What the namespace uses now of each named quota resource (status.used, always fresh). */
  quotaUsed?(namespace: string, resources: string[]): Record<string, string>;
}

/** admission.NewForbidden: a pod not yet named is called by its generateName. */
function forbidden(pod: KubeObject, message: string): ApiError {
  const name = pod.metadata.name || pod.metadata.generateName || 'Unknown';
  return new ApiError(403, 'Forbidden', `pods "${name}" is forbidden: ${message}`, { name, kind: 'pods' });
}

const recordOf = (value: unknown): JsonObject => (isRecord(value) ? value : {});

function containersOf(pod: KubeObject): { list: 'initContainers' | 'containers'; container: JsonObject }[] {
  const spec = recordOf(pod['spec']);
  return (['initContainers', 'containers'] as const).flatMap((list) =>
    (Array.isArray(spec[list]) ? (spec[list] as unknown[]) : [])
      .filter(isRecord)
      .map((container) => ({ list, container })),
  );
}

/** The Container items of the namespace's LimitRanges. */
function containerLimits(ctx: PodAdmissionContext, namespace: string): JsonObject[] {
  const ranges = ctx.limitRanges ? ctx.limitRanges(namespace) : [];
  return ranges.flatMap((range) => {
    const limits = recordOf(range['spec'])['limits'];
    return (Array.isArray(limits) ? limits : []).filter(
      (item): item is JsonObject => isRecord(item) && item['type'] === 'Container',
    );
  });
}

/** mergeContainerResources: the defaults a container lacks, and the annotation naming them. */
function applyLimitDefaults(pod: KubeObject, items: JsonObject[]): void {
  const notes: string[] = [];
  for (const { list, container } of containersOf(pod)) {
    const resources = (container['resources'] = recordOf(container['resources']));
    const set: Record<'request' | 'limit', string[]> = { request: [], limit: [] };
    for (const item of items)
      for (const [from, to, kind] of [
        ['default', 'limits', 'limit'],
        ['defaultRequest', 'requests', 'request'],
      ] as const)
        for (const [resource, value] of Object.entries(recordOf(item[from]))) {
          const target = (resources[to] = recordOf(resources[to]));
          if (target[resource] !== undefined) continue;
          target[resource] = value;
          set[kind].push(resource);
        }
    const subject = `${list === 'initContainers' ? 'init container' : 'container'} ${String(container['name'])}`;
    for (const kind of ['request', 'limit'] as const)
      if (set[kind].length) notes.push(`${set[kind].sort().join(', ')} ${kind} for ${subject}`);
  }
  if (notes.length > 0)
    pod.metadata.annotations = {
      ...pod.metadata.annotations,
      'kubernetes.io/limit-ranger': `LimitRanger plugin set: ${notes.join('; ')}`,
    };
}

/** minConstraint/maxConstraint of the LimitRanger for one container; the messages are the plugin's. */
function limitViolations(container: JsonObject, item: JsonObject): string[] {
  const resources = recordOf(container['resources']);
  const requests = recordOf(resources['requests']);
  const limits = recordOf(resources['limits']);
  const errors: string[] = [];
  const value = (v: unknown): bigint | undefined => parseQuantity(v)?.nanos;
  for (const [resource, min] of Object.entries(recordOf(item['min']))) {
    const enforced = value(min) ?? 0n;
    const req = value(requests[resource]);
    const lim = value(limits[resource]);
    if (req === undefined)
      errors.push(`minimum ${resource} usage per Container is ${String(min)}.  No request is specified`);
    else if (req < enforced)
      errors.push(
        `minimum ${resource} usage per Container is ${String(min)}, but request is ${String(requests[resource])}`,
      );
    else if (lim !== undefined && lim < enforced)
      errors.push(
        `minimum ${resource} usage per Container is ${String(min)}, but limit is ${String(limits[resource])}`,
      );
  }
  for (const [resource, max] of Object.entries(recordOf(item['max']))) {
    const enforced = value(max) ?? 0n;
    const req = value(requests[resource]);
    const lim = value(limits[resource]);
    if (lim === undefined)
      errors.push(`maximum ${resource} usage per Container is ${String(max)}.  No limit is specified`);
    else if (lim > enforced)
      errors.push(
        `maximum ${resource} usage per Container is ${String(max)}, but limit is ${String(limits[resource])}`,
      );
    else if (req !== undefined && req > enforced)
      errors.push(
        `maximum ${resource} usage per Container is ${String(max)}, but request is ${String(requests[resource])}`,
      );
  }
  return errors;
}

/** The LimitRanger plugin (mutating, then validating). Mutates `pod`, which the caller owns. */
export function limitRanger(ctx: PodAdmissionContext, pod: KubeObject): void {
  const namespace = pod.metadata.namespace;
  const items = namespace ? containerLimits(ctx, namespace) : [];
  if (items.length === 0) return;
  applyLimitDefaults(pod, items);
  const errors = containersOf(pod).flatMap(({ container }) =>
    items.flatMap((item) => limitViolations(container, item)),
  );
  // utilerrors.NewAggregate: one error as is, several in brackets.
  if (errors.length > 0) throw forbidden(pod, errors.length === 1 ? (errors[0] as string) : `[${errors.join(', ')}]`);
}

/** Resources whose quota makes every container state them (the pod evaluator's validationSet). */
const MUST_SPECIFY = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];
/** Quota resources a pod is counted in. */
const POD_RESOURCE =
  /^(pods|count\/pods|cpu|memory|ephemeral-storage|(requests|limits)\.[^/]+|requests\.[^/]+\/.+|hugepages-.+)$/;

/** podEvaluator.Constraints: the "must specify" check of one quota. */
function missingResources(pod: KubeObject, hard: string[]): string | undefined {
  const required = MUST_SPECIFY.filter((r) => hard.includes(r));
  const missing = new Map<string, Set<string>>();
  for (const { container } of containersOf(pod))
    for (const resource of required)
      if (!podHas({ spec: { containers: [container] } }, resource))
        missing.set(resource, (missing.get(resource) ?? new Set()).add(String(container['name'])));
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()]
    .sort()
    .map((r) => `${r} for: ${[...(missing.get(r) as Set<string>)].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

const print = (values: Record<string, string>): string =>
  Object.keys(values)
    .sort()
    .map((k) => `${k}=${values[k]}`)
    .join(',');

/** The pod's usage of a quota resource: 1 for object counts, else the sum of its containers'. */
function podUsage(pod: KubeObject, resource: string): Quantity {
  if (resource === 'pods' || resource === 'count/pods') return { nanos: 1_000_000_000n, format: 'DecimalSI' };
  const dot = resource.indexOf('.');
  const kind = dot >= 0 && resource.slice(0, dot) === 'limits' ? 'limits' : 'requests';
  return podAmount(pod, kind, dot < 0 ? resource : resource.slice(dot + 1));
}

/** The ResourceQuota plugin for a new pod: constraints first (across all quotas), then usage. */
export function enforceQuota(ctx: PodAdmissionContext, pod: KubeObject): void {
  const namespace = pod.metadata.namespace;
  const quotas = namespace && ctx.resourceQuotas ? ctx.resourceQuotas(namespace) : [];
  const hardOf = (quota: KubeObject): Record<string, string> =>
    recordOf(recordOf(quota['spec'])['hard']) as Record<string, string>;
  for (const quota of quotas) {
    const missing = missingResources(pod, Object.keys(hardOf(quota)));
    if (missing) throw forbidden(pod, `failed quota: ${quota.metadata.name}: ${missing}`);
  }
  for (const quota of quotas) {
    const hard = hardOf(quota);
    const counted = Object.keys(hard).filter((r) => POD_RESOURCE.test(r) && podHas(pod, r));
    if (counted.length === 0 || !ctx.quotaUsed) continue;
    const used = ctx.quotaUsed(namespace as string, counted);
    const exceeded = counted.filter((r) => {
      const limit = parseQuantity(hard[r]);
      const total = addQuantities([parseQuantity(used[r]) ?? { nanos: 0n, format: 'DecimalSI' }, podUsage(pod, r)]);
      return limit !== undefined && total.nanos > limit.nanos;
    });
    if (exceeded.length === 0) continue;
    const pick = (f: (r: string) => string): Record<string, string> =>
      Object.fromEntries(exceeded.map((r) => [r, f(r)]));
    const requested = pick((r) => formatQuantity(podUsage(pod, r)));
    const limited = pick((r) => formatQuantity(parseQuantity(hard[r]) as Quantity));
    throw forbidden(
      pod,
      `exceeded quota: ${quota.metadata.name}, requested: ${print(requested)}, used: ${print(pick((r) => used[r] ?? '0'))}, limited: ${print(limited)}`,
    );
  }
}
