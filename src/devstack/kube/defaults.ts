// API-server defaulting for the fields clients and controllers read back (strategy, replicas, progress
// deadline, pod template defaults). Idempotent: it runs on every write, as the real defaulter does.
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
  if (Array.isArray(containers)) for (const c of containers) if (isRecord(c) && typeof c['image'] === 'string') defaultContainer(c as Container);
}

function defaultTemplate(spec: JsonObject): void {
  const template = spec['template'];
  if (isRecord(template) && isRecord(template['spec'])) defaultPodSpec(template['spec']);
}

/** Mutates `object`, which the caller has already copied. */
export function applyDefaults(object: KubeObject): void {
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
