// Values checked against Kubernetes' published OpenAPI schemas, with the validators kubernetes-models
// generates from them, answered as the real server answers:
// - a value its Go type cannot hold is a decoding error (decode.ts words it per verb): `quantities must
//   match the regular expression '…'`, or `json: cannot unmarshal string into Go struct field
//   DeploymentSpec.spec.replicas of type int32`;
// - a value the type holds but the API refuses (an enum outside its values; a required field of a CRD;
//   what the schemas leave to Go validation code, api-checks.ts) is 422 Invalid with one cause per field,
//   the real server's messages and paths.
import { Certificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import { ClusterIssuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer';
import { Issuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { ControllerRevision } from 'kubernetes-models/apps/v1/ControllerRevision';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ReplicaSet } from 'kubernetes-models/apps/v1/ReplicaSet';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { EndpointSlice } from 'kubernetes-models/discovery.k8s.io/v1/EndpointSlice';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Endpoints } from 'kubernetes-models/v1/Endpoints';
import { Event } from 'kubernetes-models/v1/Event';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Node } from 'kubernetes-models/v1/Node';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Pod } from 'kubernetes-models/v1/Pod';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { apiCauses } from './api-checks.js';
import { fieldsOf, rootModel, typeName } from './field-tree.js';
import type { FieldType } from './field-tree.js';
import { QUANTITY_REGEX_MESSAGE } from './quantity.js';
import type { ResourceInfo } from './resources.js';
import type { Cause } from './status.js';
import { invalidCauses } from './status.js';
import type { JsonObject } from './types.js';

interface AjvError {
  instancePath: string;
  keyword: string;
  params: { format?: string; allowedValues?: unknown[]; missingProperty?: string; type?: string };
  message?: string;
}

// Each model class takes its own typed data; the stand-in hands them plain JSON.
type Validating = new (data: never) => { validate(): void };

const MODELS: Record<string, Validating> = {
  namespaces: Namespace,
  nodes: Node,
  pods: Pod,
  services: Service,
  configmaps: ConfigMap,
  secrets: Secret,
  serviceaccounts: ServiceAccount,
  resourcequotas: ResourceQuota,
  limitranges: LimitRange,
  events: Event,
  endpoints: Endpoints,
  persistentvolumeclaims: PersistentVolumeClaim,
  deployments: Deployment,
  statefulsets: StatefulSet,
  daemonsets: DaemonSet,
  replicasets: ReplicaSet,
  controllerrevisions: ControllerRevision,
  jobs: Job,
  cronjobs: CronJob,
  poddisruptionbudgets: PodDisruptionBudget,
  networkpolicies: NetworkPolicy,
  ingresses: Ingress,
  endpointslices: EndpointSlice,
  horizontalpodautoscalers: HorizontalPodAutoscaler,
  customresourcedefinitions: CustomResourceDefinition,
  roles: Role,
  rolebindings: RoleBinding,
  clusterroles: ClusterRole,
  clusterrolebindings: ClusterRoleBinding,
  certificates: Certificate,
  issuers: Issuer,
  clusterissuers: ClusterIssuer,
};

function schemaErrors(info: ResourceInfo, object: JsonObject): AjvError[] {
  const Model = MODELS[info.plural];
  if (!Model) return [];
  try {
    new Model(object as never).validate();
    return [];
  } catch (error) {
    return ((error as { errors?: AjvError[] }).errors ?? []).filter(
      (e) => e.instancePath !== '/apiVersion' && e.instancePath !== '/kind',
    );
  }
}

/** A JSON pointer as the API names fields (spec.containers[0].resources.limits[cpu]), with the Go struct
 * that holds the last field and that field's type, read from the field tree. */
function locate(info: ResourceInfo, pointer: string): { path: string; struct: string; type: FieldType | undefined } {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const root = rootModel(info);
  let type: FieldType | undefined = root ? { type: 'model', model: root } : undefined;
  let struct = root ? typeName(root) : info.kind;
  let path = '';
  for (const segment of segments) {
    if (type?.type === 'model') {
      struct = typeName(type.model);
      path += path ? `.${segment}` : segment;
      type = fieldsOf(type.model).get(segment)?.type;
    } else if (type?.type === 'array' || type?.type === 'map') {
      path += `[${segment}]`;
      type = type.type === 'array' ? type.items : type.values;
    } else {
      path += /^\d+$/.test(segment) ? `[${segment}]` : path ? `.${segment}` : segment;
      type = undefined;
    }
  }
  return { path, struct, type };
}

const GO_TYPES: Record<string, string> = {
  string: 'string',
  boolean: 'bool',
  integer: 'int32',
  number: 'float64',
  'int-or-string': 'intstr.IntOrString',
};

function goValue(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'number' : `number ${value}`;
  return typeof value === 'boolean' ? 'bool' : 'string';
}

function valueAt(object: unknown, pointer: string): unknown {
  let value = object;
  for (const segment of pointer.split('/').slice(1))
    value = (value as Record<string, unknown> | undefined)?.[segment.replace(/~1/g, '/').replace(/~0/g, '~')];
  return value;
}

/** The decoding error of a value its Go type cannot hold, if any. */
/** The errors the decoder, not validation, would meet: wrong JSON types, quantities, base64 ([]byte
 * fields: Secret data), int32 overflows. */
const isTypeError = (e: AjvError): boolean =>
  e.keyword === 'type' ||
  e.keyword === 'oneOf' ||
  (e.keyword === 'format' && /^(int32|int64|quantity|byte)$/.test(e.params.format ?? ''));

/** Where Go's base64 decoder gives up on `text`; the message names only the position, never the data. */
function base64Failure(text: unknown): number {
  const s = typeof text === 'string' ? text : '';
  const bad = s.search(/[^A-Za-z0-9+/=]|=(?=.*[^=])/);
  return bad >= 0 ? bad : s.length - (s.length % 4);
}

function typeError(info: ResourceInfo, object: JsonObject, errors: AjvError[]): string | undefined {
  if (errors.some((e) => e.keyword === 'format' && e.params.format === 'quantity')) return QUANTITY_REGEX_MESSAGE;
  const base64 = errors.find((e) => e.keyword === 'format' && e.params.format === 'byte');
  if (base64) return `illegal base64 data at input byte ${base64Failure(valueAt(object, base64.instancePath))}`;
  const typeError = errors.find(isTypeError);
  if (!typeError) return undefined;
  const { path, struct, type } = locate(info, typeError.instancePath);
  const goType =
    type?.type === 'integer'
      ? (type.format ?? 'int32')
      : type?.type === 'model'
        ? `v1.${typeName(type.model)}`
        : type?.type === 'array'
          ? 'array'
          : type?.type === 'map'
            ? 'map'
            : (GO_TYPES[type?.type ?? ''] ?? 'string');
  return `json: cannot unmarshal ${goValue(valueAt(object, typeError.instancePath))} into Go struct field ${struct}.${path.replace(/\[[^\]]*\]/g, '')} of type ${goType}`;
}

function cause(info: ResourceInfo, object: JsonObject, error: AjvError): Cause {
  if (error.keyword === 'required') {
    const { path } = locate(info, `${error.instancePath}/${error.params.missingProperty ?? ''}`);
    return { reason: 'FieldValueRequired', message: 'Required value', field: path };
  }
  const { path } = locate(info, error.instancePath);
  const value = JSON.stringify(valueAt(object, error.instancePath));
  if (error.keyword === 'enum') {
    const supported = (error.params.allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ');
    return {
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${value}: supported values: ${supported}`,
      field: path,
    };
  }
  return {
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${value}: ${error.message ?? 'invalid'}`,
    field: path,
  };
}

/** What the Go decoder says of a value its type cannot hold (a quantity that does not parse, a string
 * for an integer), or undefined. */
export function decodeErrorOf(info: ResourceInfo, object: JsonObject): string | undefined {
  return typeError(info, object, schemaErrors(info, object));
}

/** Refuses, 422 Invalid with every cause, an object whose values the schemas (enums, required fields) or
 * the API's range checks refuse. */
export function assertValidObject(info: ResourceInfo, object: JsonObject, name: string): void {
  // A built-in type's `required` list only says which Go fields lack omitempty: the decoder fills a
  // missing one with its zero value and only Go validation code refuses (a NetworkPolicy without
  // podSelector selects every pod). A CRD's structural schema enforces its `required` lists.
  const errors = schemaErrors(info, object).filter((e) => !isTypeError(e) && (info.crd || e.keyword !== 'required'));
  const causes = [...errors.map((e) => cause(info, object, e)), ...apiCauses(info, object)];
  if (causes.length > 0) throw invalidCauses(info, name, causes);
}
