// What server-side apply needs to know of the types' schemas: how each list merges and which maps are
// atomic. The real server reads this from the OpenAPI extensions (x-kubernetes-list-type,
// x-kubernetes-list-map-keys, x-kubernetes-map-type, patch merge keys); this is the same information for
// the fields the stand-in's kinds have, keyed by field name and the path to it:
// - lists keyed by fields (containers by name, container ports by containerPort and protocol, …) merge
//   item by item, and a manager owns single items and fields in them;
// - metadata.finalizers is a set: values merge, each owned on its own;
// - every other list of a built-in type, and every list of a CRD (cert-manager) but its status
//   conditions, is atomic: replaced whole, owned whole;
// - label selectors, Service and node selectors and roleRef are atomic maps; other maps merge by key.
// Simplification: fields are classified by name and position, not by a full type schema, so a field
// named like a keyed list somewhere it is not one would be keyed too; none of the kinds served has one.

export type NodeKind =
  | { kind: 'leaf' }
  | { kind: 'map' }
  | { kind: 'keyed'; keys: string[]; defaults: Record<string, unknown> }
  | { kind: 'set' };

const LEAF: NodeKind = { kind: 'leaf' };
const MAP: NodeKind = { kind: 'map' };
const SET: NodeKind = { kind: 'set' };
const keyed = (keys: string[], defaults: Record<string, unknown> = {}): NodeKind => ({ kind: 'keyed', keys, defaults });

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** x-kubernetes-list-map-keys of built-in types' lists, by field name. */
const KEYED_LISTS: Record<string, NodeKind> = {
  containers: keyed(['name']),
  initContainers: keyed(['name']),
  ephemeralContainers: keyed(['name']),
  env: keyed(['name']),
  volumes: keyed(['name']),
  volumeMounts: keyed(['mountPath']),
  volumeDevices: keyed(['devicePath']),
  imagePullSecrets: keyed(['name']),
  hostAliases: keyed(['ip']),
  conditions: keyed(['type']),
  ownerReferences: keyed(['uid']),
  resourceClaims: keyed(['name']),
  schedulingGates: keyed(['name']),
  topologySpreadConstraints: keyed(['topologyKey', 'whenUnsatisfiable']),
  secrets: keyed(['name']),
};

/** x-kubernetes-map-type: atomic (and structType=atomic) fields of built-in types. */
const ATOMIC_MAPS = new Set([
  'selector',
  'podSelector',
  'namespaceSelector',
  'labelSelector',
  'nodeSelector',
  'roleRef',
]);

/** Where in the object a value sits: the field names from the root (list items add none), and whether the
 * object's type is a CRD. */
export interface SchemaContext {
  crd: boolean;
  kind: string;
}

/**
 * How the value at `names` (e.g. ['spec', 'template', 'spec', 'containers']) merges. Scalars and nulls are
 * leaves whatever the schema says.
 */
export function nodeKind(ctx: SchemaContext, names: readonly string[], value: unknown): NodeKind {
  if (value === null || typeof value !== 'object') return LEAF;
  const field = names[names.length - 1] ?? '';
  const inMetadata = names[0] === 'metadata';
  const builtin = !ctx.crd || inMetadata;
  if (Array.isArray(value)) {
    if (inMetadata && names.length === 2 && field === 'finalizers') return SET;
    // cert-manager's CRDs key their status conditions by type (x-kubernetes-list-type: map).
    if (!builtin) return field === 'conditions' && names[0] === 'status' ? keyed(['type']) : LEAF;
    if (field === 'ports') {
      if (names.some((n) => CONTAINER_LISTS.has(n))) return keyed(['containerPort', 'protocol'], { protocol: 'TCP' });
      if (ctx.kind === 'Service' && names.length === 2) return keyed(['port', 'protocol'], { protocol: 'TCP' });
      return LEAF;
    }
    return KEYED_LISTS[field] ?? LEAF;
  }
  if (builtin && names.length > 1 && ATOMIC_MAPS.has(field)) return LEAF;
  return MAP;
}
