// The REST verbs on resources: get, list (selectors, limit/continue, Table), create, update, patch,
// delete, deletecollection, and the status and scale subresources. Watches are handed to watch.ts.
import YAML from 'yaml';
import type { Representation } from './accept.js';
import type { UserInfo } from './authn.js';
import type { Cluster, DeletePropagation } from './cluster.js';
import { guardRbacWrite } from './escalation.js';
import { managerName, recordUpdate, sameObject, serverSideApply } from './managed-fields.js';
import { decodeContinue, encodeContinue } from './paging.js';
import { ACCEPTED_PATCH_TYPES, applyPatch, patchTypeOf } from './patch.js';
import type { ResourceInfo } from './resources.js';
import { apiVersionOf, resourceOf } from './resources.js';
import { formatLabelSelector, matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { alreadyExists, ApiError, badRequest, conflict, CONTINUE_EXPIRED_MESSAGE, expired, methodNotAllowed, notFound, resourceNotFound } from './status.js';
import { admitCreate, admitUpdate, assertSameName } from './strategy.js';
import { toTable } from './table.js';
import type { IncludeObject } from './table.js';
import type { JsonObject, KubeObject, LabelSelector, Pod } from './types.js';
import { isRecord } from './types.js';
import type { WatchRequest } from './watch.js';

export interface Paging {
  /** Bumped to expire every outstanding continue token. */
  epoch: number;
  /** Decides, per request that carries a continue token, whether that token has just expired. */
  shouldExpire(): boolean;
}

export interface ResourceRequest {
  method: string;
  info: ResourceInfo;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  query: URLSearchParams;
  representation: Representation;
  contentType: string | undefined;
  userAgent: string | undefined;
  /** Who asks (undefined: the stand-in itself); RBAC writes are checked against what they may grant. */
  user?: UserInfo;
  body: string;
}

export type Reply = { code: number; body: unknown } | { watch: WatchRequest };

function parseBody(req: ResourceRequest): unknown {
  if (req.body.trim() === '') throw badRequest('the body of the request was empty');
  try {
    return /yaml/.test(req.contentType ?? '') && !req.contentType?.includes('apply-patch') ? YAML.parse(req.body) : JSON.parse(req.body);
  } catch (error) {
    throw badRequest(`the body of the request could not be decoded: ${(error as Error).message}`);
  }
}

/** An apply patch may be YAML or JSON (which YAML also reads, but JSON.parse is faster and stricter). */
function parseApplyBody(req: ResourceRequest): unknown {
  if (req.body.trim() === '') throw badRequest('the body of the request was empty');
  try {
    return JSON.parse(req.body);
  } catch {
    try {
      const docs = YAML.parseAllDocuments(req.body);
      if (docs.length !== 1) throw new Error(`expected one YAML document, got ${docs.length}`);
      const doc = docs[0] as YAML.Document;
      if (doc.errors.length > 0) throw doc.errors[0] as Error;
      return doc.toJS();
    } catch (error) {
      throw badRequest(`error decoding YAML: ${(error as Error).message}`);
    }
  }
}

function parseObject(req: ResourceRequest, decoded?: unknown): KubeObject {
  const body = decoded ?? parseBody(req);
  if (!isRecord(body)) throw badRequest('the body of the request must be a JSON object');
  const object = body as KubeObject;
  const expected = apiVersionOf(req.info);
  if (object.apiVersion !== undefined && object.apiVersion !== expected)
    throw badRequest(`the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${expected})`);
  if (object.kind !== undefined && object.kind !== req.info.kind && !(req.subresource === 'scale' && object.kind === 'Scale'))
    throw badRequest(`the kind in the data (${String(object.kind)}) does not match the expected kind (${req.info.kind})`);
  object.metadata ??= {} as KubeObject['metadata'];
  if (req.info.namespaced && object.metadata.namespace && object.metadata.namespace !== req.namespace)
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  return object;
}

/** dryRun=All: admission, validation and defaulting run, storage does not. Any other value is refused. */
function dryRun(req: ResourceRequest): boolean {
  const values = req.query.getAll('dryRun');
  for (const v of values)
    if (v !== 'All')
      throw new ApiError(400, 'BadRequest', `Invalid dryRun value: ${v}`, { causes: [{ reason: 'FieldValueNotSupported', message: `Unsupported value: "${v}": supported values: "All"`, field: 'dryRun' }] });
  return values.length > 0;
}

/** What a dry run answers: the would-be object, with the resourceVersion it has now (none if new). */
function dryRunResult(object: KubeObject, current: KubeObject | undefined): KubeObject {
  const metadata = { ...object.metadata };
  if (current) metadata.resourceVersion = current.metadata.resourceVersion;
  else delete (metadata as Partial<KubeObject['metadata']>).resourceVersion;
  return { ...object, metadata };
}

function requireObject(cluster: Cluster, req: ResourceRequest): KubeObject {
  const object = cluster.store.get(req.info.plural, req.namespace, req.name as string);
  if (!object) throw notFound(req.info, req.name as string);
  return object;
}

function table(cluster: Cluster, req: ResourceRequest, items: KubeObject[], metadata: JsonObject): JsonObject {
  const include = (req.query.get('includeObject') ?? 'Metadata') as IncludeObject;
  const apiVersion = req.representation.as === 'Table' ? req.representation.apiVersion : 'meta.k8s.io/v1';
  return toTable(req.info, items, metadata, { include, withColumns: true, apiVersion, now: cluster.now() });
}

function list(cluster: Cluster, req: ResourceRequest, paging: Paging): JsonObject {
  const { info, namespace, query } = req;
  const labels = parseLabelSelector(query.get('labelSelector') ?? '');
  const fields = parseFieldSelector(query.get('fieldSelector') ?? '', info);
  const limit = Number(query.get('limit') ?? 0);
  if (!Number.isInteger(limit) || limit < 0) throw badRequest(`limit: Invalid value: ${query.get('limit')}`);
  const rvParam = query.get('resourceVersion');
  if (rvParam && /^\d+$/.test(rvParam) && Number(rvParam) > cluster.resourceVersion)
    throw new ApiError(504, 'Timeout', `Timeout: Too large resource version: ${rvParam}, current: ${cluster.resourceVersion}`, {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    });

  let listRv = cluster.resourceVersion;
  let after: string | undefined;
  const token = query.get('continue');
  if (token) {
    const decoded = decodeContinue(token);
    if (paging.shouldExpire()) paging.epoch++;
    if (decoded.epoch !== paging.epoch) throw expired(CONTINUE_EXPIRED_MESSAGE);
    listRv = decoded.rv;
    after = decoded.start;
  }
  const items: KubeObject[] = [];
  let lastKey: string | undefined;
  let more = false;
  for (const [key, object] of cluster.store.scan(info.plural, namespace, after)) {
    if (limit > 0 && items.length === limit) {
      more = true;
      break;
    }
    lastKey = key;
    if (matchesLabels(labels, object.metadata.labels) && matchesFields(fields, object)) items.push(object);
  }
  const metadata: JsonObject = { resourceVersion: String(listRv) };
  if (more && lastKey !== undefined) {
    metadata['continue'] = encodeContinue({ rv: listRv, start: lastKey, epoch: paging.epoch });
    // Like the real server, the count is only given when no selector makes it a guess.
    if (labels.length === 0 && fields.length === 0) metadata['remainingItemCount'] = cluster.store.countAfter(info.plural, namespace, lastKey);
  }
  if (req.representation.as === 'Table') return table(cluster, req, items, metadata);
  return { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata, items };
}

const managerOf = (req: ResourceRequest): string => managerName(req.query.get('fieldManager'), req.userAgent);

/** New objects go into existing namespaces that are not being deleted. */
function assertNamespaceOpen(cluster: Cluster, req: ResourceRequest, name: string | undefined): void {
  if (!req.info.namespaced) return;
  const ns = cluster.store.get('namespaces', undefined, req.namespace as string);
  if (!ns) throw notFound(resourceOf('namespaces'), req.namespace as string);
  if (ns.metadata.deletionTimestamp)
    throw new ApiError(403, 'Forbidden', `${req.info.plural} "${name ?? ''}" is forbidden: unable to create new content in namespace ${req.namespace} because it is being terminated`);
}

function create(cluster: Cluster, req: ResourceRequest): { code: number; body: unknown } {
  const input = parseObject(req);
  const dry = dryRun(req);
  assertNamespaceOpen(cluster, req, input.metadata.name);
  const name = input.metadata.name;
  if (name && cluster.store.get(req.info.plural, req.namespace, name)) throw alreadyExists(req.info, name);
  guardRbacWrite(cluster.store, req.user, req.info, input, req.namespace);
  const admitted = admitCreate(dry ? cluster.dryRunContext() : cluster, req.info, input, req.namespace);
  if (cluster.store.get(req.info.plural, req.namespace, admitted.metadata.name)) throw alreadyExists(req.info, admitted.metadata.name);
  const recorded = recordUpdate(req.info, undefined, admitted, managerOf(req), cluster.now());
  return { code: 201, body: dry ? dryRunResult(recorded, undefined) : cluster.store.write(req.info.plural, recorded) };
}

/** Stores an update of `current`; a resourceVersion in the new object must match (optimistic locking).
 * A write that changes nothing, ownership included, stores nothing (no new resourceVersion). */
function store(cluster: Cluster, req: ResourceRequest, current: KubeObject, next: KubeObject): KubeObject {
  const rv = next.metadata?.resourceVersion;
  if (rv && rv !== current.metadata.resourceVersion) throw conflict(req.info, current.metadata.name);
  const dry = dryRun(req);
  guardRbacWrite(cluster.store, req.user, req.info, next, req.namespace);
  const admitted = admitUpdate(req.info, current, next, req.subresource === 'status' ? 'status' : undefined);
  const recorded = recordUpdate(req.info, current, admitted, managerOf(req), cluster.now(), req.subresource);
  // A no-op is answered with the stored object, dry run or not (the timestamps of managedFields included).
  if (sameObject(current, recorded)) return current;
  if (dry) return dryRunResult(recorded, current);
  return cluster.store.write(req.info.plural, recorded);
}

/** Server-side apply: create or merge, with ownership and conflicts (managed-fields.ts). */
function apply(cluster: Cluster, req: ResourceRequest): { code: number; body: unknown } {
  const manager = req.query.get('fieldManager');
  if (!manager)
    throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', {
      group: 'meta.k8s.io',
      kind: 'PatchOptions',
      causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }],
    });
  managerName(manager, undefined);
  if (req.subresource === 'scale') throw new ApiError(415, 'UnsupportedMediaType', 'apply patches are not supported on the scale subresource by this server');
  const dry = dryRun(req);
  const force = ['true', '1'].includes(req.query.get('force') ?? '');
  const config = parseObject(req, parseApplyBody(req));
  if (config.apiVersion === undefined || config.kind === undefined)
    // The real message quotes the body; a Secret's body has no place in an error message.
    throw badRequest(`Object 'Kind' is missing in the apply configuration: apiVersion and kind must be set`);
  assertSameName(req.name as string, config);
  config.metadata.name = req.name as string;
  if (req.info.namespaced) config.metadata.namespace = req.namespace;
  else delete (config.metadata as Partial<KubeObject['metadata']>).namespace;
  const current = cluster.store.get(req.info.plural, req.namespace, req.name as string);
  const rv = config.metadata.resourceVersion;
  if (!current) {
    if (req.subresource) throw notFound(req.info, req.name as string);
    if (rv) throw conflict(req.info, req.name as string);
    assertNamespaceOpen(cluster, req, req.name);
    const { object } = serverSideApply({ info: req.info, live: undefined, config, manager, force, now: cluster.now() });
    const managedFields = object.metadata.managedFields;
    guardRbacWrite(cluster.store, req.user, req.info, object, req.namespace);
    const admitted = admitCreate(dry ? cluster.dryRunContext() : cluster, req.info, object, req.namespace);
    admitted.metadata.managedFields = managedFields;
    return { code: 201, body: dry ? dryRunResult(admitted, undefined) : cluster.store.write(req.info.plural, admitted) };
  }
  if (rv && rv !== current.metadata.resourceVersion) throw conflict(req.info, current.metadata.name);
  const subresource = req.subresource === 'status' ? 'status' : undefined;
  const { object } = serverSideApply({ info: req.info, live: current, config, manager, force, now: cluster.now(), ...(subresource ? { subresource } : {}) });
  guardRbacWrite(cluster.store, req.user, req.info, object, req.namespace);
  const admitted = admitUpdate(req.info, current, object, subresource);
  admitted.metadata.managedFields = object.metadata.managedFields;
  if (sameObject(current, admitted)) return { code: 200, body: current };
  if (dry) return { code: 200, body: dryRunResult(admitted, current) };
  return { code: 200, body: cluster.store.write(req.info.plural, admitted) };
}

function scaleOf(object: KubeObject): JsonObject {
  const spec = (object['spec'] ?? {}) as { replicas?: number; selector?: LabelSelector };
  const status = (object['status'] ?? {}) as { replicas?: number };
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  const selector = formatLabelSelector(spec.selector);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, ...(selector === '<none>' ? {} : { selector: selector.replace(/ /g, '') }) },
  };
}

function writeScale(cluster: Cluster, req: ResourceRequest, current: KubeObject, scale: JsonObject): JsonObject {
  const replicas = isRecord(scale['spec']) ? scale['spec']['replicas'] : undefined;
  if (!Number.isInteger(replicas) || (replicas as number) < 0)
    throw new ApiError(422, 'Invalid', `Scale.autoscaling "${current.metadata.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
  const next = { ...current, spec: { ...(current['spec'] as JsonObject), replicas } };
  return scaleOf(store(cluster, { ...req, subresource: 'scale' }, current, next));
}

function patch(cluster: Cluster, req: ResourceRequest): { code: number; body: unknown } {
  const type = patchTypeOf(req.contentType);
  if (!type)
    throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${ACCEPTED_PATCH_TYPES.join(', ')}`);
  if (type === 'apply') return apply(cluster, req);
  if (type === 'strategic' && req.info.crd)
    throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
  if (req.query.has('force'))
    throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch', {
      group: 'meta.k8s.io',
      kind: 'PatchOptions',
      causes: [{ reason: 'FieldValueForbidden', message: 'Forbidden: may not be specified for non-apply patch', field: 'force' }],
    });
  const body = parseBody(req);
  const current = requireObject(cluster, req);
  if (req.subresource === 'scale') return { code: 200, body: writeScale(cluster, req, current, applyPatch(type, scaleOf(current), body)) };
  const patched = applyPatch(type, structuredClone(current) as JsonObject, body) as KubeObject;
  const meta: Partial<KubeObject['metadata']> = isRecord(patched.metadata) ? patched.metadata : {};
  if (meta.name !== current.metadata.name || (req.info.namespaced && meta.namespace !== current.metadata.namespace))
    throw badRequest('metadata.name and metadata.namespace cannot be changed by a patch');
  // A patch that carries a resourceVersion is a precondition; otherwise it applies to the latest version.
  const patchedRv = meta.resourceVersion;
  const next = { ...patched, metadata: { ...meta, resourceVersion: patchedRv === current.metadata.resourceVersion ? '' : (patchedRv ?? '') } } as KubeObject;
  return { code: 200, body: store(cluster, req, current, next) };
}

function remove(cluster: Cluster, req: ResourceRequest, current: KubeObject): unknown {
  const options = req.body.trim() ? parseBody(req) : {};
  const grace = req.query.get('gracePeriodSeconds') ?? (isRecord(options) ? options['gracePeriodSeconds'] : undefined);
  const preconditions = isRecord(options) && isRecord(options['preconditions']) ? options['preconditions'] : {};
  if (preconditions['uid'] !== undefined && preconditions['uid'] !== current.metadata.uid)
    throw new ApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${String(preconditions['uid'])}, UID in object meta: ${current.metadata.uid}`);
  if (preconditions['resourceVersion'] !== undefined && preconditions['resourceVersion'] !== current.metadata.resourceVersion) throw conflict(req.info, current.metadata.name);
  const policy = req.query.get('propagationPolicy') ?? (isRecord(options) ? options['propagationPolicy'] : undefined) ?? (isRecord(options) && options['orphanDependents'] === true ? 'Orphan' : undefined);
  if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground')
    throw new ApiError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${String(policy)}": supported values: "Foreground", "Background", "Orphan", "nil"`);
  if (dryRun(req)) return current;
  const { name, namespace } = current.metadata;
  if (req.info.plural === 'pods') {
    cluster.terminatePod(current as Pod, Number(grace) === 0 ? 0 : undefined);
    return cluster.store.get('pods', namespace, name) ?? current;
  }
  cluster.delete(req.info.plural, namespace, name, policy as DeletePropagation | undefined);
  if (req.info.plural === 'namespaces') return cluster.store.get('namespaces', undefined, name) ?? current;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, ...(req.info.group ? { group: req.info.group } : {}), kind: req.info.plural, uid: current.metadata.uid },
  };
}

export function handleResource(cluster: Cluster, req: ResourceRequest, paging: Paging): Reply {
  const { method, info, name, subresource } = req;
  if (subresource !== undefined && !(info.subresources as string[]).includes(subresource)) throw resourceNotFound();
  switch (method) {
    case 'GET': {
      if (name) {
        const object = requireObject(cluster, req);
        if (subresource === 'scale') return { code: 200, body: scaleOf(object) };
        return { code: 200, body: req.representation.as === 'Table' ? table(cluster, req, [object], { resourceVersion: object.metadata.resourceVersion }) : object };
      }
      if (req.query.get('watch') === 'true' || req.query.get('watch') === '1') {
        const labels = parseLabelSelector(req.query.get('labelSelector') ?? '');
        const fields = parseFieldSelector(req.query.get('fieldSelector') ?? '', info);
        return { watch: { info, namespace: req.namespace, labels, fields, query: req.query, representation: req.representation } };
      }
      return { code: 200, body: list(cluster, req, paging) };
    }
    case 'POST':
      if (name) throw methodNotAllowed();
      return create(cluster, req);
    case 'PUT': {
      if (!name) throw methodNotAllowed();
      const current = requireObject(cluster, req);
      const input = parseObject(req);
      assertSameName(name, input);
      if (subresource === 'scale') return { code: 200, body: writeScale(cluster, req, current, input) };
      const next = { ...input, metadata: { ...input.metadata, name, namespace: current.metadata.namespace } } as KubeObject;
      // managedFields sent with the object replace the stored ones (how clients edit ownership); a body
      // without them keeps the stored ones.
      const managed = input.metadata.managedFields;
      return { code: 200, body: store(cluster, req, current, managed && managed.length > 0 ? next : { ...next, metadata: { ...next.metadata, managedFields: current.metadata.managedFields } }) };
    }
    case 'PATCH':
      if (!name) throw methodNotAllowed();
      return patch(cluster, req);
    case 'DELETE': {
      if (name) return { code: 200, body: remove(cluster, req, requireObject(cluster, req)) };
      const deleted = cluster.list(info.plural, {
        ...(req.namespace ? { namespace: req.namespace } : {}),
        labelSelector: req.query.get('labelSelector') ?? '',
        fieldSelector: req.query.get('fieldSelector') ?? '',
      });
      if (!dryRun(req)) for (const o of deleted) cluster.delete(info.plural, o.metadata.namespace, o.metadata.name);
      return { code: 200, body: { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata: { resourceVersion: String(cluster.resourceVersion) }, items: deleted } };
    }
    default:
      throw methodNotAllowed();
  }
}
