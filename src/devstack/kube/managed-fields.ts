// managedFields: who owns which field, and server-side apply on top of it (after the API server's
// fieldmanager and structured-merge-diff's merge.Updater).
//
// - Every write records its manager: `fieldManager`, or the product of the User-Agent ("kubectl").
// - Update (create, PUT, merge/strategic/JSON patch, status and scale): the writer takes the fields it
//   changed or added, away from whoever owned them before; removed fields leave every manager.
// - Apply (PATCH application/apply-patch+yaml): the manager's set becomes exactly the fields of its
//   configuration; a field it applied last time and no longer does is removed from the object unless
//   another manager owns it; a change to a field another manager owns is a 409 Conflict naming manager
//   and field, unless force=true, which moves the field to the applier.
// - A request that leaves object and ownership as they were is not a write (no new resourceVersion).
//
// Simplifications, documented: Update entries do not list the "." member of a map they created (the real
// server writes `f:annotations: {.: {}, ...}`; the stand-in writes only the annotation); the schema is
// the table in schema.ts rather than the OpenAPI document; managedFields are not capped at ten Update
// managers; conversion between versions does not arise (one version per kind).
import { rfc3339 } from './duration.js';
import type { Path } from './fieldpath.js';
import { FieldSet, pathString } from './fieldpath.js';
import { compare, merge, removeFields, toFieldSet } from './fields.js';
import { deepEqual } from './ids.js';
import type { ResourceInfo } from './resources.js';
import type { SchemaContext } from './schema.js';
import { ApiError } from './status.js';
import type { JsonObject, KubeObject, ManagedFieldsEntry } from './types.js';

export function managerName(fieldManager: string | null, userAgent: string | undefined): string {
  if (fieldManager !== null) {
    if (fieldManager.length > 128)
      throw new ApiError(422, 'Invalid', 'fieldManager: Too long: may not be more than 128 bytes');
    return fieldManager;
  }
  return (userAgent ?? 'unknown').split('/')[0] || 'unknown';
}

interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

type Managers = Map<string, Manager>;

/** BuildManagerIdentifier: appliers are one manager whatever version they applied. */
function identifier(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([m.manager, m.operation, m.operation === 'Apply' ? '' : m.apiVersion, m.subresource ?? '']);
}

function decode(entries: ManagedFieldsEntry[] | undefined): Managers {
  const out: Managers = new Map();
  for (const e of entries ?? []) {
    if (e.operation !== 'Apply' && e.operation !== 'Update') continue;
    const m: Manager = {
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      ...(e.subresource ? { subresource: e.subresource } : {}),
      ...(e.time ? { time: e.time } : {}),
      set: FieldSet.fromFieldsV1(e.fieldsV1),
    };
    const id = identifier(m);
    const previous = out.get(id);
    out.set(id, previous ? { ...m, set: previous.set.union(m.set) } : m);
  }
  return out;
}

/** sortEncodedManagedFields: Apply before Update, then by time, manager, apiVersion, subresource. */
function encode(managers: Managers): ManagedFieldsEntry[] {
  const entries = [...managers.values()].filter((m) => !m.set.isEmpty());
  const seconds = (t: string | undefined): number => (t ? Date.parse(t) : 0);
  entries.sort(
    (a, b) =>
      a.operation.localeCompare(b.operation) ||
      seconds(a.time) - seconds(b.time) ||
      a.manager.localeCompare(b.manager) ||
      a.apiVersion.localeCompare(b.apiVersion) ||
      (a.subresource ?? '').localeCompare(b.subresource ?? ''),
  );
  return entries.map((m) => ({
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.apiVersion,
    time: m.time ?? '',
    fieldsType: 'FieldsV1',
    fieldsV1: m.set.toFieldsV1(),
    ...(m.subresource ? { subresource: m.subresource } : {}),
  }));
}

const sameOwnership = (a: Managers, b: Managers): boolean =>
  a.size === b.size && [...a].every(([id, m]) => b.get(id)?.set.equals(m.set) ?? false);

/** Metadata the server owns (stripMeta), never part of anyone's fields. */
const SERVER_META = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

/** The part of an object field managers own for this request: no apiVersion/kind or server metadata;
 * the main resource without status, the status subresource only status (the strategies' reset fields). */
export function ownedPart(object: JsonObject, subresource?: string): JsonObject {
  const { apiVersion: _a, kind: _k, metadata, status, ...rest } = object;
  if (subresource === 'status') return status === undefined ? {} : { status };
  if (subresource === 'scale') {
    const spec = rest['spec'] as JsonObject | undefined;
    return spec && 'replicas' in spec ? { spec: { replicas: spec['replicas'] } } : {};
  }
  const meta = { ...((metadata ?? {}) as JsonObject) };
  for (const key of SERVER_META) delete meta[key];
  return Object.keys(meta).length > 0 ? { ...rest, metadata: meta } : rest;
}

export function schemaContext(info: ResourceInfo): SchemaContext {
  return { crd: info.crd, kind: info.kind };
}

/**
 * The ownership after an Update by `manager` from `before` (undefined: a create) to `after`, written into
 * `after`'s managedFields. The base is `after`'s own managedFields when the request set them, else
 * `before`'s. Nothing changes when the write changed no field.
 */
export function recordUpdate(
  info: ResourceInfo,
  before: KubeObject | undefined,
  after: KubeObject,
  manager: string,
  now: number,
  subresource?: string,
): KubeObject {
  const ctx = schemaContext(info);
  const requested = after.metadata.managedFields;
  const base = decode(requested && requested.length > 0 ? requested : before?.metadata.managedFields);
  const diff = compare(ctx, ownedPart(before ?? {}, subresource), ownedPart(after, subresource), false);
  const taken = diff.added.union(diff.modified);
  for (const m of base.values()) m.set = m.set.difference(taken).difference(diff.removed);
  if (!taken.isEmpty()) {
    const me = {
      manager,
      operation: 'Update' as const,
      apiVersion: after.apiVersion,
      ...(subresource ? { subresource } : {}),
    };
    const id = identifier(me);
    const previous = base.get(id)?.set ?? new FieldSet();
    base.set(id, { ...me, time: rfc3339(now), set: previous.union(taken) });
  }
  return { ...after, metadata: { ...after.metadata, managedFields: encode(base) } };
}

export interface ApplyRequest {
  info: ResourceInfo;
  /** The live object, or undefined when the apply creates it. */
  live: KubeObject | undefined;
  config: KubeObject;
  manager: string;
  force: boolean;
  now: number;
  subresource?: string;
}

export interface ApplyResult {
  /** The merged object with its new managedFields, before admission (defaults, validation). */
  object: KubeObject;
  /** Whether ownership changed: an apply that changes no value may still take fields. */
  ownershipChanged: boolean;
}

function applyConflict(conflicts: { manager: Manager; path: Path }[]): ApiError {
  const describe = (m: Manager): string =>
    m.operation === 'Update' ? `"${m.manager}" using ${m.apiVersion}` : `"${m.manager}"`;
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describe(c.manager)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    const [only] = conflicts as [{ manager: Manager; path: Path }];
    message = `Apply failed with 1 conflict: conflict with ${describe(only.manager)}: ${pathString(only.path)}`;
  } else {
    const byManager = new Map<string, { manager: Manager; paths: Path[] }>();
    for (const c of conflicts) {
      const id = identifier(c.manager);
      const group = byManager.get(id) ?? { manager: c.manager, paths: [] };
      group.paths.push(c.path);
      byManager.set(id, group);
    }
    const lines = [...byManager.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([, g]) => [`conflicts with ${describe(g.manager)}:`, ...g.paths.map((p) => `- ${pathString(p)}`)]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}

/** Server-side apply of `config` by `manager` (merge.Updater.Apply). Throws the 409 of a conflict. */
export function serverSideApply(req: ApplyRequest): ApplyResult {
  const { info, config, manager, force, now, subresource } = req;
  const ctx = schemaContext(info);
  const { name, namespace } = config.metadata;
  const live: KubeObject =
    req.live ??
    ({
      apiVersion: config.apiVersion,
      kind: config.kind,
      metadata: { name, ...(namespace ? { namespace } : {}) },
    } as KubeObject);
  const managers = decode(live.metadata.managedFields);
  const before = new Map([...managers].map(([id, m]) => [id, { ...m }]));

  const me = {
    manager,
    operation: 'Apply' as const,
    apiVersion: config.apiVersion,
    ...(subresource ? { subresource } : {}),
  };
  const id = identifier(me);
  const lastSet = managers.get(id)?.set;
  const configPart = ownedPart(config, subresource);
  const set = toFieldSet(ctx, configPart);
  managers.set(id, { ...me, ...(managers.get(id)?.time ? { time: managers.get(id)?.time } : {}), set });

  // Merge the configuration into the live object, keeping what is outside this request's reach.
  const livePart = ownedPart(live, subresource);
  const mergedPart = merge(ctx, livePart, configPart);
  if (lastSet) {
    let owned = new FieldSet();
    for (const m of managers.values()) owned = owned.union(m.set);
    removeFields(ctx, mergedPart, lastSet.difference(set).paths(), owned);
  }

  const diff = compare(ctx, livePart, mergedPart);
  const changed = diff.added.union(diff.modified);
  const conflicts: { manager: Manager; path: Path }[] = [];
  for (const [other, m] of managers) {
    if (other === id) continue;
    for (const path of m.set.intersection(changed).paths()) conflicts.push({ manager: m, path });
  }
  if (conflicts.length > 0 && !force) throw applyConflict(conflicts);
  for (const [other, m] of managers) {
    if (other === id) continue;
    m.set = m.set.difference(changed).difference(diff.removed);
  }

  const ownershipChanged = !sameOwnership(
    new Map([...before].filter(([, m]) => !m.set.isEmpty())),
    new Map([...managers].filter(([, m]) => !m.set.isEmpty())),
  );
  const valuesChanged = !diff.added.isEmpty() || !diff.modified.isEmpty() || !diff.removed.isEmpty();
  const mine = managers.get(id) as Manager;
  if (ownershipChanged || valuesChanged || !mine.time) mine.time = rfc3339(now);

  const object = rebuild(live, mergedPart, subresource);
  object.metadata = { ...object.metadata, managedFields: encode(managers) };
  return { object, ownershipChanged };
}

/** The live object with its request-owned part replaced by `part`. */
function rebuild(live: KubeObject, part: JsonObject, subresource?: string): KubeObject {
  const base = structuredClone(live);
  if (subresource === 'status') return { ...base, status: part['status'] };
  const { metadata: partMeta, ...rest } = part;
  const serverMeta: JsonObject = {};
  for (const key of SERVER_META) if (base.metadata[key] !== undefined) serverMeta[key] = base.metadata[key];
  const out: KubeObject = {
    apiVersion: base.apiVersion,
    kind: base.kind,
    metadata: { ...(partMeta as JsonObject), ...serverMeta } as KubeObject['metadata'],
    ...rest,
  };
  if (base['status'] !== undefined) out['status'] = base['status'];
  return out;
}

/** Whether a write would store nothing new: the same object, resourceVersion and managedFields
 * timestamps aside (the API server's IgnoreManagedFieldsTimestampsTransformer: a write that changes
 * nothing but when a manager last wrote is no write, so re-applying the same configuration, a Secret's
 * stringData included, keeps the resourceVersion). */
export function sameObject(a: KubeObject, b: KubeObject): boolean {
  const plain = (o: KubeObject): KubeObject => ({
    ...o,
    metadata: {
      ...o.metadata,
      resourceVersion: '',
      managedFields: (o.metadata.managedFields ?? [])
        .map((e) => ({ ...e, time: '' }))
        .sort((x, y) => identifier(x).localeCompare(identifier(y))),
    },
  });
  return deepEqual(plain(a), plain(b));
}
