// The REST verbs on resources: get, list (selectors, limit/continue, Table), create, update, patch,
// delete, deletecollection, and the status and scale subresources. Watches are handed to watch.ts.
import YAML from 'yaml';
import type { Representation } from './accept.js';
import type { UserInfo } from './authn.js';
import type { Cluster } from './cluster.js';
import type { DeleteOptions } from './delete-options.js';
import { checkPreconditions, isDryRun, parseDeleteOptions } from './delete-options.js';
import { guardRbacWrite } from './escalation.js';
import { authorizeCreateOnApply } from './rbac.js';
import { evict } from './eviction.js';
import { podLog } from './pod-log.js';
import { managerName, recordUpdate, sameObject, serverSideApply } from './managed-fields.js';
import { connect, isConnectSubresource } from './connect.js';
import { decodeApplied, decodeApplyConfiguration, decodeObject, decodePatched } from './decode.js';
import type { Paging } from './list.js';
import { readList } from './list.js';
import { ACCEPTED_PATCH_TYPES, applyPatch, patchTypeOf } from './patch.js';
import { isTrue } from './request-info.js';
import type { ResourceInfo } from './resources.js';
import { apiVersionOf, resourceOf } from './resources.js';
import { formatLabelSelector, parseFieldSelector, parseLabelSelector } from './selectors.js';
import {
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  methodNotAllowed,
  notFound,
  resourceNotFound,
} from './status.js';
import { admitCreate, admitUpdate, assertSameName } from './strategy.js';
import { assertValidObject } from './schema-validation.js';
import { toTable } from './table.js';
import type { IncludeObject } from './table.js';
import type { JsonObject, KubeObject, LabelSelector, Pod } from './types.js';
import { isRecord } from './types.js';
import type { WatchRequest } from './watch.js';

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
  /** Filled by the handler: the `Warning` headers of the response (fieldValidation=Warn). */
  warnings: string[];
}

export type Reply = { code: number; body: unknown; contentType?: string } | { watch: WatchRequest };

function parseBody(req: ResourceRequest): unknown {
  if (req.body.trim() === '') throw badRequest('the body of the request was empty');
  try {
    return /yaml/.test(req.contentType ?? '') && !req.contentType?.includes('apply-patch')
      ? YAML.parse(req.body, { uniqueKeys: false })
      : JSON.parse(req.body);
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
      const docs = YAML.parseAllDocuments(req.body, { uniqueKeys: false });
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
    throw badRequest(
      `the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${expected})`,
    );
  if (
    object.kind !== undefined &&
    object.kind !== req.info.kind &&
    !(req.subresource === 'scale' && object.kind === 'Scale')
  )
    throw badRequest(
      `the kind in the data (${String(object.kind)}) does not match the expected kind (${req.info.kind})`,
    );
  object.metadata ??= {} as KubeObject['metadata'];
  if (req.info.namespaced && object.metadata.namespace && object.metadata.namespace !== req.namespace)
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  return object;
}

const dryRun = (req: ResourceRequest): boolean => isDryRun(req.query.getAll('dryRun'));

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
  const { items, metadata } = readList(cluster, req.info, req.namespace, req.query, paging);
  if (req.representation.as === 'Table') return table(cluster, req, items, metadata);
  return { kind: `${req.info.kind}List`, apiVersion: apiVersionOf(req.info), metadata, items };
}

const managerOf = (req: ResourceRequest): string => managerName(req.query.get('fieldManager'), req.userAgent);

/** New objects go into existing namespaces that are not being deleted. */
function assertNamespaceOpen(cluster: Cluster, req: ResourceRequest, name: string | undefined): void {
  if (!req.info.namespaced) return;
  const ns = cluster.store.get('namespaces', undefined, req.namespace as string);
  if (!ns) throw notFound(resourceOf('namespaces'), req.namespace as string);
  if (ns.metadata.deletionTimestamp)
    throw new ApiError(
      403,
      'Forbidden',
      `${req.info.plural} "${name ?? ''}" is forbidden: unable to create new content in namespace ${req.namespace} because it is being terminated`,
      {
        name: name ?? '',
        ...(req.info.group ? { group: req.info.group } : {}),
        kind: req.info.plural,
        causes: [
          {
            reason: 'NamespaceTerminating',
            message: `namespace ${req.namespace} is being terminated`,
            field: 'metadata.namespace',
          },
        ],
      },
    );
}

function create(cluster: Cluster, req: ResourceRequest): { code: number; body: unknown } {
  const input = parseObject(req);
  const dry = dryRun(req);
  decodeObject(req, input, 'CreateOptions');
  // NamespaceLifecycle admission runs before validation: an invalid object in a missing namespace is a 404.
  assertNamespaceOpen(cluster, req, input.metadata.name);
  assertValidObject(req.info, input, input.metadata.name ?? '');
  const name = input.metadata.name;
  if (name && cluster.store.get(req.info.plural, req.namespace, name)) throw alreadyExists(req.info, name);
  guardRbacWrite(cluster.store, req.user, req.info, input, req.namespace);
  const admitted = admitCreate(dry ? cluster.dryRunContext() : cluster, req.info, input, req.namespace);
  if (cluster.store.get(req.info.plural, req.namespace, admitted.metadata.name))
    throw alreadyExists(req.info, admitted.metadata.name);
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
  const written = cluster.store.write(req.info.plural, recorded);
  // The last finalizer of an object marked for deletion gone: the deletion completes.
  if (
    written.metadata.deletionTimestamp &&
    !(written.metadata['finalizers'] as string[] | undefined)?.length &&
    !['pods', 'namespaces'].includes(req.info.plural)
  )
    cluster.store.remove(req.info.plural, written.metadata.namespace, written.metadata.name);
  return written;
}

/** Server-side apply: create or merge, with ownership and conflicts (managed-fields.ts). */
function apply(cluster: Cluster, req: ResourceRequest): { code: number; body: unknown } {
  const manager = req.query.get('fieldManager');
  if (!manager)
    throw new ApiError(
      422,
      'Invalid',
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      {
        group: 'meta.k8s.io',
        kind: 'PatchOptions',
        causes: [
          {
            reason: 'FieldValueRequired',
            message: 'Required value: is required for apply patch',
            field: 'fieldManager',
          },
        ],
      },
    );
  managerName(manager, undefined);
  if (req.subresource === 'scale')
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      'apply patches are not supported on the scale subresource by this server',
    );
  const dry = dryRun(req);
  const force = isTrue(req.query.get('force'));
  const config = parseObject(req, parseApplyBody(req));
  if (config.apiVersion === undefined || config.kind === undefined)
    // The real message quotes the body; a Secret's body has no place in an error message.
    throw badRequest(`Object 'Kind' is missing in the apply configuration: apiVersion and kind must be set`);
  decodeApplyConfiguration(req, config);
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
    decodeApplied(req, object);
    assertValidObject(req.info, object, req.name as string);
    authorizeCreateOnApply(cluster.store, req.user, req.info, req.namespace, req.name as string);
    const managedFields = object.metadata.managedFields;
    guardRbacWrite(cluster.store, req.user, req.info, object, req.namespace);
    const admitted = admitCreate(dry ? cluster.dryRunContext() : cluster, req.info, object, req.namespace);
    admitted.metadata.managedFields = managedFields;
    return {
      code: 201,
      body: dry ? dryRunResult(admitted, undefined) : cluster.store.write(req.info.plural, admitted),
    };
  }
  if (rv && rv !== current.metadata.resourceVersion) throw conflict(req.info, current.metadata.name);
  const subresource = req.subresource === 'status' ? 'status' : undefined;
  const { object } = serverSideApply({
    info: req.info,
    live: current,
    config,
    manager,
    force,
    now: cluster.now(),
    ...(subresource ? { subresource } : {}),
  });
  decodeApplied(req, object);
  assertValidObject(req.info, object, req.name as string);
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
    status: {
      replicas: status.replicas ?? 0,
      ...(selector === '<none>' ? {} : { selector: selector.replace(/ /g, '') }),
    },
  };
}

function writeScale(cluster: Cluster, req: ResourceRequest, current: KubeObject, scale: JsonObject): JsonObject {
  const replicas = isRecord(scale['spec']) ? scale['spec']['replicas'] : undefined;
  if (!Number.isInteger(replicas) || (replicas as number) < 0)
    throw new ApiError(
      422,
      'Invalid',
      `Scale.autoscaling "${current.metadata.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
    );
  const next = { ...current, spec: { ...(current['spec'] as JsonObject), replicas } };
  return scaleOf(store(cluster, { ...req, subresource: 'scale' }, current, next));
}

function patch(cluster: Cluster, req: ResourceRequest): { code: number; body: unknown } {
  const type = patchTypeOf(req.contentType);
  if (!type)
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${ACCEPTED_PATCH_TYPES.join(', ')}`,
    );
  if (type === 'apply') return apply(cluster, req);
  if (type === 'strategic' && req.info.crd)
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
    );
  if (req.query.has('force'))
    throw new ApiError(
      422,
      'Invalid',
      'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
      {
        group: 'meta.k8s.io',
        kind: 'PatchOptions',
        causes: [
          {
            reason: 'FieldValueForbidden',
            message: 'Forbidden: may not be specified for non-apply patch',
            field: 'force',
          },
        ],
      },
    );
  const body = parseBody(req);
  const current = requireObject(cluster, req);
  if (req.subresource === 'scale')
    return { code: 200, body: writeScale(cluster, req, current, applyPatch(type, scaleOf(current), body)) };
  const patched = applyPatch(type, structuredClone(current) as JsonObject, body) as KubeObject;
  decodePatched(req, type, body, patched);
  assertValidObject(req.info, patched, current.metadata.name);
  const meta: Partial<KubeObject['metadata']> = isRecord(patched.metadata) ? patched.metadata : {};
  if (meta.name !== current.metadata.name || (req.info.namespaced && meta.namespace !== current.metadata.namespace))
    throw badRequest('metadata.name and metadata.namespace cannot be changed by a patch');
  // A patch that carries a resourceVersion is a precondition; otherwise it applies to the latest version.
  const patchedRv = meta.resourceVersion;
  const next = {
    ...patched,
    metadata: { ...meta, resourceVersion: patchedRv === current.metadata.resourceVersion ? '' : (patchedRv ?? '') },
  } as KubeObject;
  return { code: 200, body: store(cluster, req, current, next) };
}

/** The Status a delete answers when the object is gone (rather than the object, for kinds that return it). */
function deletedStatus(info: ResourceInfo, object: KubeObject): JsonObject {
  const { name, uid } = object.metadata;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, ...(info.group ? { group: info.group } : {}), kind: info.plural, uid },
  };
}

/** Deletes one object, or with dryRun answers exactly what the delete would and changes nothing: pods
 * and namespaces answer the object as deletion leaves it (Terminating), objects held by finalizers
 * (their own, or Foreground's and Orphan's) the object marked for deletion, the rest a Success Status. */
function remove(cluster: Cluster, info: ResourceInfo, current: KubeObject, options: DeleteOptions): unknown {
  checkPreconditions(info, current, options.preconditions);
  const { name, namespace } = current.metadata;
  if (info.plural === 'pods') {
    if (options.dryRun) return cluster.terminatingPod(current as Pod, options.gracePeriodSeconds) ?? current;
    cluster.terminatePod(current as Pod, options.gracePeriodSeconds);
    return cluster.store.get('pods', namespace, name) ?? current;
  }
  if (info.plural === 'namespaces') {
    const finalizers = isRecord(current['spec']) ? (current['spec']['finalizers'] as string[] | undefined) : undefined;
    if (current.metadata.deletionTimestamp && finalizers?.length)
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on namespaces "${name}": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.`,
        { name, kind: 'namespaces' },
      );
    if (options.dryRun) return cluster.terminatingNamespace(current);
    cluster.delete(info.plural, namespace, name, options.propagationPolicy);
    return cluster.store.get('namespaces', undefined, name) ?? current;
  }
  const marked = cluster.markedForDeletion(current, options.propagationPolicy);
  if (options.dryRun) return marked ?? deletedStatus(info, current);
  cluster.delete(info.plural, namespace, name, options.propagationPolicy);
  return marked ? (cluster.store.get(info.plural, namespace, name) ?? marked) : deletedStatus(info, current);
}

/** deletecollection: each selected object deleted as by a single delete; the answer lists them as they
 * were left (pods Terminating). */
function removeCollection(cluster: Cluster, req: ResourceRequest): JsonObject {
  const options = parseDeleteOptions(req.query, req.body);
  const selected = cluster.list(req.info.plural, {
    ...(req.namespace ? { namespace: req.namespace } : {}),
    labelSelector: req.query.get('labelSelector') ?? '',
    fieldSelector: req.query.get('fieldSelector') ?? '',
  });
  const items = selected.map((o) => {
    const left = remove(cluster, req.info, o, { ...options, preconditions: {} });
    return isRecord(left) && left['kind'] === 'Status' ? o : left;
  });
  return {
    kind: `${req.info.kind}List`,
    apiVersion: apiVersionOf(req.info),
    metadata: { resourceVersion: String(cluster.resourceVersion) },
    items,
  };
}

export function handleResource(cluster: Cluster, req: ResourceRequest, paging: Paging): Reply {
  const { method, info, name, subresource } = req;
  if (info.plural === 'pods' && subresource === 'log' && name) {
    if (method !== 'GET') throw methodNotAllowed();
    const text = podLog(cluster, requireObject(cluster, req), req.query);
    return { code: 200, body: text, contentType: 'text/plain' };
  }
  if (subresource !== undefined && name && isConnectSubresource(info.plural, subresource))
    connect(info, name, subresource);
  if (subresource !== undefined && !(info.subresources as string[]).includes(subresource)) throw resourceNotFound();
  if (subresource === 'eviction') {
    if (method !== 'POST') throw methodNotAllowed();
    assertNamespaceOpen(cluster, req, name);
    return evict(cluster, req.namespace as string, name as string, req.query, req.body);
  }
  switch (method) {
    case 'GET': {
      if (name) {
        const object = requireObject(cluster, req);
        if (subresource === 'scale') return { code: 200, body: scaleOf(object) };
        return {
          code: 200,
          body:
            req.representation.as === 'Table'
              ? table(cluster, req, [object], { resourceVersion: object.metadata.resourceVersion })
              : object,
        };
      }
      if (isTrue(req.query.get('watch'))) {
        const labels = parseLabelSelector(req.query.get('labelSelector') ?? '');
        const fields = parseFieldSelector(req.query.get('fieldSelector') ?? '', info);
        return {
          watch: {
            info,
            namespace: req.namespace,
            labels,
            fields,
            query: req.query,
            representation: req.representation,
          },
        };
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
      decodeObject(req, input, 'UpdateOptions');
      assertValidObject(req.info, input, name);
      const next = {
        ...input,
        metadata: { ...input.metadata, name, namespace: current.metadata.namespace },
      } as KubeObject;
      // managedFields sent with the object replace the stored ones (how clients edit ownership); a body
      // without them keeps the stored ones.
      const managed = input.metadata.managedFields;
      return {
        code: 200,
        body: store(
          cluster,
          req,
          current,
          managed && managed.length > 0
            ? next
            : { ...next, metadata: { ...next.metadata, managedFields: current.metadata.managedFields } },
        ),
      };
    }
    case 'PATCH':
      if (!name) throw methodNotAllowed();
      return patch(cluster, req);
    case 'DELETE': {
      if (name)
        return {
          code: 200,
          body: remove(cluster, info, requireObject(cluster, req), parseDeleteOptions(req.query, req.body)),
        };
      return { code: 200, body: removeCollection(cluster, req) };
    }
    default:
      throw methodNotAllowed();
  }
}
