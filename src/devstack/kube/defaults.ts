// API-server defaulting for the fields clients and controllers read back (strategy, replicas, progress
// deadline, pod template defaults, NetworkPolicy policyTypes and port protocols, CronJob policies, a
// Secret's stringData folded into data). Idempotent: it runs on every write, as the real defaulter does.
import type { Container, JsonObject, KubeObject } from './types.js';
import { isRecord } from './types.js';

function setDefault(target: JsonObject, key: string, value: unknown): void {
  if (target[key] === undefined) target[key] = value;
}

function record(target: JsonObject, key: string): JsonObject {
  const value = target[key];
  if (isRecord(value)) return value;
  const created: JsonObject = {};
  target[key] = created;
  return created;
}

function defaultContainer(container: Container): void {
  const tag = container.image.includes('@') ? 'digest' : (container.image.split('/').pop() ?? '').split(':')[1];
  setDefault(container, 'imagePullPolicy', tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent');
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  setDefault(container, 'resources', {});
  for (const port of container.ports ?? []) setDefault(port, 'protocol', 'TCP');
}

export function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'securityContext', {});
  const containers = spec['containers'];
  if (Array.isArray(containers))
    for (const c of containers) if (isRecord(c) && typeof c['image'] === 'string') defaultContainer(c as Container);
}

function defaultTemplate(spec: JsonObject): void {
  const template = spec['template'];
  if (isRecord(template) && isRecord(template['spec'])) defaultPodSpec(template['spec']);
}

/** SetDefaults_LimitRangeItem for type Container: the default limit falls back to max, the default
 * request to the default limit, then to min. Empty maps stay absent (omitempty). */
function defaultContainerLimits(item: JsonObject): void {
  const fill = (target: 'default' | 'defaultRequest', source: 'max' | 'default' | 'min'): void => {
    const from = isRecord(item[source]) ? item[source] : {};
    for (const [resource, value] of Object.entries(from)) {
      const into = isRecord(item[target]) ? item[target] : {};
      if (into[resource] === undefined) item[target] = { ...into, [resource]: value };
    }
  };
  fill('default', 'max');
  fill('defaultRequest', 'default');
  fill('defaultRequest', 'min');
}

/** Metadata maps and lists are omitempty in Go: an empty one ({} from `kubectl diff`'s patch, a last label
 * removed) is not stored and never comes back. */
const OMIT_EMPTY_METADATA = ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const;

/** Mutates `object`, which the caller has already copied. */
export function applyDefaults(object: KubeObject): void {
  for (const key of OMIT_EMPTY_METADATA) {
    const value: unknown = object.metadata?.[key];
    if (
      (Array.isArray(value) && value.length === 0) ||
      (isRecord(value) && Object.keys(value).length === 0) ||
      value === null
    )
      delete object.metadata[key];
  }
  const spec = isRecord(object['spec']) ? object['spec'] : undefined;
  switch (object.kind) {
    case 'Namespace':
      record(object, 'spec')['finalizers'] ??= ['kubernetes'];
      setDefault(record(object, 'status'), 'phase', 'Active');
      object.metadata.labels = { ...object.metadata.labels, 'kubernetes.io/metadata.name': object.metadata.name };
      break;
    case 'Pod':
      if (spec) {
        defaultPodSpec(spec);
        setDefault(spec, 'serviceAccountName', 'default');
        setDefault(spec, 'enableServiceLinks', true);
        setDefault(spec, 'priority', 0);
      }
      break;
    case 'Deployment':
      if (!spec) break;
      setDefault(spec, 'replicas', 1);
      setDefault(spec, 'revisionHistoryLimit', 10);
      setDefault(spec, 'progressDeadlineSeconds', 600);
      {
        const strategy = record(spec, 'strategy');
        setDefault(strategy, 'type', 'RollingUpdate');
        if (strategy['type'] === 'RollingUpdate') {
          const rolling = record(strategy, 'rollingUpdate');
          setDefault(rolling, 'maxSurge', '25%');
          setDefault(rolling, 'maxUnavailable', '25%');
        }
      }
      defaultTemplate(spec);
      break;
    case 'StatefulSet':
      if (!spec) break;
      setDefault(spec, 'replicas', 1);
      setDefault(spec, 'podManagementPolicy', 'OrderedReady');
      setDefault(spec, 'revisionHistoryLimit', 10);
      setDefault(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
      {
        const strategy = record(spec, 'updateStrategy');
        setDefault(strategy, 'type', 'RollingUpdate');
        if (strategy['type'] === 'RollingUpdate') setDefault(record(strategy, 'rollingUpdate'), 'partition', 0);
      }
      defaultTemplate(spec);
      break;
    case 'DaemonSet':
      if (!spec) break;
      setDefault(spec, 'revisionHistoryLimit', 10);
      {
        const strategy = record(spec, 'updateStrategy');
        setDefault(strategy, 'type', 'RollingUpdate');
        if (strategy['type'] === 'RollingUpdate') {
          const rolling = record(strategy, 'rollingUpdate');
          setDefault(rolling, 'maxUnavailable', 1);
          setDefault(rolling, 'maxSurge', 0);
        }
      }
      defaultTemplate(spec);
      break;
    case 'ReplicaSet':
      if (spec) {
        setDefault(spec, 'replicas', 1);
        defaultTemplate(spec);
      }
      break;
    case 'Job':
      if (spec) {
        setDefault(spec, 'parallelism', 1);
        setDefault(spec, 'completions', 1);
        setDefault(spec, 'backoffLimit', 6);
        setDefault(spec, 'completionMode', 'NonIndexed');
        setDefault(spec, 'suspend', false);
        defaultTemplate(spec);
      }
      break;
    case 'CronJob':
      if (spec) {
        setDefault(spec, 'concurrencyPolicy', 'Allow');
        setDefault(spec, 'suspend', false);
        setDefault(spec, 'successfulJobsHistoryLimit', 3);
        setDefault(spec, 'failedJobsHistoryLimit', 1);
        const jobTemplate = spec['jobTemplate'];
        if (isRecord(jobTemplate) && isRecord(jobTemplate['spec'])) defaultTemplate(jobTemplate['spec']);
      }
      break;
    case 'NetworkPolicy':
      if (spec) {
        const egress = spec['egress'];
        if (!Array.isArray(spec['policyTypes']) || spec['policyTypes'].length === 0)
          spec['policyTypes'] = Array.isArray(egress) && egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
        for (const direction of ['ingress', 'egress']) {
          const rules = spec[direction];
          if (!Array.isArray(rules)) continue;
          for (const rule of rules)
            if (isRecord(rule) && Array.isArray(rule['ports']))
              for (const port of rule['ports']) if (isRecord(port)) setDefault(port, 'protocol', 'TCP');
        }
      }
      break;
    case 'ResourceQuota':
      // Quantities travel as strings; a bare YAML number (pods: 10) is stored as one.
      if (spec && isRecord(spec['hard']))
        for (const [k, v] of Object.entries(spec['hard'])) if (typeof v === 'number') spec['hard'][k] = String(v);
      break;
    case 'LimitRange':
      if (spec && Array.isArray(spec['limits']))
        for (const item of spec['limits'])
          if (isRecord(item) && item['type'] === 'Container') defaultContainerLimits(item);
      break;
    case 'Secret': {
      // stringData is write-only: the API server folds it into data (base64) and never returns it.
      const stringData = object['stringData'];
      if (isRecord(stringData)) {
        const data = record(object, 'data');
        for (const [key, value] of Object.entries(stringData))
          data[key] = Buffer.from(String(value ?? ''), 'utf8').toString('base64');
        delete object['stringData'];
      }
      setDefault(object, 'type', 'Opaque');
      break;
    }
    case 'Service':
      if (spec) {
        setDefault(spec, 'type', 'ClusterIP');
        setDefault(spec, 'sessionAffinity', 'None');
        const ports = spec['ports'];
        if (Array.isArray(ports))
          for (const p of ports)
            if (isRecord(p)) {
              setDefault(p, 'protocol', 'TCP');
              setDefault(p, 'targetPort', p['port']);
            }
      }
      break;
  }
}
