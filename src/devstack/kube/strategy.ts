// What the API server does to an object between the request and storage: identity and timestamps on
// create, immutable metadata and status/spec separation on update, defaulting, generation bumps on spec
// changes (which is what makes controllers and `kubectl rollout status` notice a new template), and the
// validations clients rely on seeing as 422 Invalid.
import type { PodAdmissionContext } from './admission.js';
import { enforceQuota, limitRanger } from './admission.js';
import { rfc3339 } from './duration.js';
import { applyDefaults } from './defaults.js';
import { deepEqual } from './ids.js';
import type { Ids } from './ids.js';
import type { ResourceInfo } from './resources.js';
import { apiVersionOf } from './resources.js';
import { selects } from './selectors.js';
import { parseQuantity, QUANTITY_REGEX_MESSAGE } from './quantity.js';
import { ApiError, invalid } from './status.js';
import type { JsonObject, KubeObject, LabelSelector } from './types.js';
import { isRecord } from './types.js';

export interface AdmissionContext extends PodAdmissionContext {
  ids: Ids;
  now(): number;
  allocateClusterIp(): string;
}

/** Resources whose metadata.generation counts spec changes. */
const WITH_GENERATION = new Set([
  'deployments',
  'statefulsets',
  'daemonsets',
  'replicasets',
  'jobs',
  'cronjobs',
  'poddisruptionbudgets',
  'networkpolicies',
  'certificates',
  'issuers',
  'clusterissuers',
]);
const WORKLOADS = new Set(['deployments', 'statefulsets', 'daemonsets', 'replicasets']);

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** RBAC objects are named like path segments (`system:discovery` is valid): ValidateRBACName. */
function pathSegmentProblem(name: string): string | undefined {
  if (name === '.' || name === '..') return `may not be '${name}'`;
  for (const bad of ['/', '%']) if (name.includes(bad)) return `may not contain '${bad}'`;
  return undefined;
}

function validateName(info: ResourceInfo, name: string): void {
  if (info.group === 'rbac.authorization.k8s.io') {
    const problem = pathSegmentProblem(name);
    if (problem) throw invalid(info, name, 'metadata.name', `Invalid value: "${name}": ${problem}`);
    return;
  }
  const label = info.plural === 'namespaces' || info.plural === 'services';
  const ok = label ? name.length <= 63 && DNS_LABEL.test(name) : name.length <= 253 && DNS_SUBDOMAIN.test(name);
  if (!ok) {
    const rule = label
      ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
      : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    throw invalid(info, name, 'metadata.name', `Invalid value: "${name}": ${rule}`);
  }
}

function validate(info: ResourceInfo, object: KubeObject, current?: KubeObject): void {
  const name = object.metadata.name;
  const spec = isRecord(object['spec']) ? object['spec'] : undefined;
  if (WORKLOADS.has(info.plural) && spec) {
    const selector = spec['selector'] as LabelSelector | undefined;
    const template = isRecord(spec['template']) ? spec['template'] : undefined;
    const labels = isRecord(template?.['metadata'])
      ? (template['metadata']['labels'] as Record<string, string> | undefined)
      : undefined;
    if (
      !selector ||
      (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)
    )
      throw invalid(info, name, 'spec.selector', 'Required value');
    if (!selects(selector, labels))
      throw invalid(
        info,
        name,
        'spec.template.metadata.labels',
        `Invalid value: ${JSON.stringify(labels ?? {})}: \`selector\` does not match template \`labels\``,
      );
    const replicas = spec['replicas'];
    if (replicas !== undefined && (!Number.isInteger(replicas) || (replicas as number) < 0))
      throw invalid(
        info,
        name,
        'spec.replicas',
        `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      );
    const before = isRecord(current?.['spec']) ? current['spec']['selector'] : undefined;
    if (current && info.plural !== 'replicasets' && !deepEqual(before, selector))
      throw invalid(info, name, 'spec.selector', `Invalid value: ${JSON.stringify(selector)}: field is immutable`);
  }
  if (
    info.plural === 'poddisruptionbudgets' &&
    spec &&
    spec['minAvailable'] !== undefined &&
    spec['maxUnavailable'] !== undefined
  )
    throw invalid(info, name, 'spec', 'Invalid value: "minAvailable and maxUnavailable cannot be both set"');
  validateKind(info, object, current);
}

const required = (info: ResourceInfo, name: string, field: string, value: unknown): void => {
  if (value === undefined || value === null || value === '') throw invalid(info, name, field, 'Required value');
};

/** The validations of the phase-manifest kinds that catch real mistakes: missing required fields,
 * malformed quantities, immutable fields. */
function validateKind(info: ResourceInfo, object: KubeObject, current?: KubeObject): void {
  const name = object.metadata.name;
  const spec = isRecord(object['spec']) ? object['spec'] : {};
  switch (info.plural) {
    case 'resourcequotas':
      for (const [resource, value] of Object.entries(isRecord(spec['hard']) ? spec['hard'] : {}))
        if (!parseQuantity(value))
          throw invalid(
            info,
            name,
            `spec.hard[${resource}]`,
            `Invalid value: ${JSON.stringify(value)}: ${QUANTITY_REGEX_MESSAGE}`,
          );
      break;
    case 'rolebindings':
    case 'clusterrolebindings': {
      const roleRef = object['roleRef'];
      if (!isRecord(roleRef)) throw invalid(info, name, 'roleRef.name', 'Required value');
      required(info, name, 'roleRef.kind', roleRef['kind']);
      required(info, name, 'roleRef.name', roleRef['name']);
      if (current && !deepEqual(current['roleRef'], roleRef))
        throw invalid(info, name, 'roleRef', `Invalid value: ${JSON.stringify(roleRef)}: cannot change roleRef`);
      break;
    }
    case 'cronjobs': {
      required(info, name, 'spec.schedule', spec['schedule']);
      const template = isRecord(spec['jobTemplate']) ? spec['jobTemplate'] : undefined;
      const podSpec =
        isRecord(template?.['spec']) && isRecord(template['spec']['template'])
          ? template['spec']['template']['spec']
          : undefined;
      if (!isRecord(podSpec) || !Array.isArray(podSpec['containers']) || podSpec['containers'].length === 0)
        throw invalid(info, name, 'spec.jobTemplate.spec.template.spec.containers', 'Required value');
      const restart = podSpec['restartPolicy'];
      if (restart !== 'OnFailure' && restart !== 'Never')
        throw invalid(
          info,
          name,
          'spec.jobTemplate.spec.template.spec.restartPolicy',
          `Unsupported value: ${JSON.stringify(restart ?? 'Always')}: supported values: "OnFailure", "Never"`,
        );
      break;
    }
    case 'certificates': {
      required(info, name, 'spec.secretName', spec['secretName']);
      const issuerRef = isRecord(spec['issuerRef']) ? spec['issuerRef'] : {};
      required(info, name, 'spec.issuerRef.name', issuerRef['name']);
      break;
    }
    case 'secrets':
    case 'configmaps':
      if (current?.['immutable'] === true) {
        for (const field of ['data', 'binaryData', 'immutable'])
          if (!deepEqual(current[field], object[field]))
            throw invalid(info, name, field, 'Forbidden: field is immutable when `immutable` is set');
      }
      break;
  }
}

/** BestEffort without any requests or limits, else Burstable (Guaranteed is not worth telling apart here). */
function qosClass(pod: KubeObject): string {
  const spec = isRecord(pod['spec']) ? pod['spec'] : {};
  const containers = Array.isArray(spec['containers']) ? spec['containers'] : [];
  const sized = containers.some(
    (c) => isRecord(c) && isRecord(c['resources']) && Object.keys(c['resources']).length > 0,
  );
  return sized ? 'Burstable' : 'BestEffort';
}

/**
 * A new object as it will be stored. `trusted` (scenario loading, controllers) keeps the caller's uid,
 * creationTimestamp and status, and takes ownership of `input` instead of copying it; API clients never
 * get to set those.
 */
export function admitCreate(
  ctx: AdmissionContext,
  info: ResourceInfo,
  input: KubeObject,
  namespace: string | undefined,
  trusted = false,
): KubeObject {
  const object = trusted ? input : structuredClone(input);
  object.apiVersion = apiVersionOf(info);
  object.kind = info.kind;
  const meta = (object.metadata ??= {} as KubeObject['metadata']);
  if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${ctx.ids.suffix()}`;
  if (!meta.name) throw invalid(info, '', 'metadata.name', 'Required value: name or generateName is required');
  validateName(info, meta.name);
  if (info.namespaced) meta.namespace = namespace;
  else delete meta.namespace;
  if (!trusted || !meta.uid) meta.uid = ctx.ids.uid();
  if (!trusted || !meta.creationTimestamp) meta.creationTimestamp = rfc3339(ctx.now());
  meta.resourceVersion = '';
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  if (WITH_GENERATION.has(info.plural)) meta.generation = 1;
  else delete meta.generation;
  if (!trusted && info.subresources.includes('status') && info.plural !== 'namespaces') delete object['status'];
  // Pods loaded with a status (a scenario's) skip admission; API clients' and controllers' do not.
  const admitting = info.plural === 'pods' && object['status'] === undefined;
  if (admitting) {
    limitRanger(ctx, object);
    object['status'] = { phase: 'Pending', qosClass: qosClass(object) };
  }
  applyDefaults(object);
  const spec = object['spec'];
  if (
    info.plural === 'services' &&
    isRecord(spec) &&
    spec['type'] !== 'ExternalName' &&
    spec['clusterIP'] === undefined
  ) {
    const ip = ctx.allocateClusterIp();
    spec['clusterIP'] = ip;
    spec['clusterIPs'] = [ip];
  }
  validate(info, object);
  if (admitting) enforceQuota(ctx, object);
  return object;
}

/** The stored form of an update (PUT, PATCH, or their /status variants) of `current`. */
export function admitUpdate(
  info: ResourceInfo,
  current: KubeObject,
  input: KubeObject,
  subresource?: 'status',
): KubeObject {
  let object: KubeObject;
  if (subresource === 'status') {
    object = { ...structuredClone(current), status: structuredClone(input['status']) };
  } else {
    object = structuredClone(input);
    if (info.subresources.includes('status')) {
      if (current['status'] === undefined) delete object['status'];
      else object['status'] = structuredClone(current['status']);
    }
  }
  const meta: JsonObject = isRecord(object.metadata) ? object.metadata : {};
  const keep = [
    'name',
    'namespace',
    'uid',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'generation',
  ] as const;
  for (const key of keep) {
    if (current.metadata[key] === undefined) delete meta[key];
    else meta[key] = current.metadata[key];
  }
  object.metadata = meta as KubeObject['metadata'];
  object.apiVersion = current.apiVersion;
  object.kind = current.kind;
  applyDefaults(object);
  validate(info, object, current);
  if (WITH_GENERATION.has(info.plural) && !deepEqual(current['spec'], object['spec']))
    object.metadata.generation = (current.metadata.generation ?? 1) + 1;
  return object;
}

export function assertSameName(urlName: string, body: KubeObject): void {
  if (body.metadata?.name && body.metadata.name !== urlName)
    throw new ApiError(
      400,
      'BadRequest',
      `the name of the object (${body.metadata.name}) does not match the name on the URL (${urlName})`,
    );
}
