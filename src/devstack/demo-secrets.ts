// Which demo workloads read which ConfigMap, as a real cluster records it: in the pod template
// (envFrom, env valueFrom.configMapKeyRef, a configMap volume). The scenario format has no field for a
// container's env or volumes yet, so the demo adds them right after loading, before anyone can look:
// the Deployment, its current ReplicaSet and its pods get the same change, exactly as if the scenario had
// declared it, so no rollout starts and the pod counts (154 counted, 118 ready) stay as they are.
import type { Cluster, Deployment, KubeObject, Pod, ReplicaSet } from './kube/index.js';

type Use = { envFrom: true } | { keys: [env: string, key: string][] } | { mountPath: string };

export interface ConfigMapConsumer {
  namespace: string;
  /** A Deployment of the scenario (only healthy ones: a cutover rolls them, and they must come back). */
  deployment: string;
  configMap: string;
  use: Use;
}

/** The 254Carbon demo: every ConfigMap with credentials in src/devstack/scenarios/254carbon.yaml and who reads it. */
export const DEMO_CONSUMERS: readonly ConfigMapConsumer[] = [
  { namespace: 'data-platform', deployment: 'superset', configMap: 'superset-config', use: { envFrom: true } },
  { namespace: 'data-platform', deployment: 'superset-worker', configMap: 'superset-config', use: { envFrom: true } },
  { namespace: 'data-platform', deployment: 'superset-beat', configMap: 'superset-config', use: { envFrom: true } },
  {
    namespace: 'data-platform',
    deployment: 'dolphinscheduler-api',
    configMap: 'dolphinscheduler-common',
    use: { envFrom: true },
  },
  {
    namespace: 'data-platform',
    deployment: 'dolphinscheduler-master',
    configMap: 'dolphinscheduler-common',
    use: { envFrom: true },
  },
  {
    namespace: 'data-platform',
    deployment: 'dolphinscheduler-alert',
    configMap: 'dolphinscheduler-common',
    use: {
      keys: [
        ['SPRING_DATASOURCE_URL', 'SPRING_DATASOURCE_URL'],
        ['SPRING_DATASOURCE_PASSWORD', 'SPRING_DATASOURCE_PASSWORD'],
      ],
    },
  },
  {
    namespace: 'data-platform',
    deployment: 'trino-coordinator',
    configMap: 'trino-catalog',
    use: { mountPath: '/etc/trino/catalog' },
  },
  { namespace: 'data-platform', deployment: 'portal-api', configMap: 'portal-api-env', use: { envFrom: true } },
  { namespace: 'data-platform', deployment: 'minio-console', configMap: 'minio-console-env', use: { envFrom: true } },
  {
    namespace: 'data-platform',
    deployment: 'nessie',
    configMap: 'nessie-config',
    use: { mountPath: '/deployments/config' },
  },
  { namespace: 'monitoring', deployment: 'grafana', configMap: 'grafana-env', use: { envFrom: true } },
  {
    namespace: 'monitoring',
    deployment: 'postgres-exporter',
    configMap: 'postgres-exporter-env',
    use: { keys: [['DATA_SOURCE_NAME', 'DATA_SOURCE_NAME']] },
  },
  { namespace: 'kafka', deployment: 'kafka-ui', configMap: 'kafka-ui-config', use: { envFrom: true } },
  { namespace: 'registry', deployment: 'harbor-core', configMap: 'harbor-core-env', use: { envFrom: true } },
];

type PodSpec = PodTemplate['spec'];
type PodTemplate = Deployment['spec']['template'];

/** The pod spec with the ConfigMap read as `use` says, by its first container. */
function withUse(spec: PodSpec, c: ConfigMapConsumer): PodSpec {
  const [first, ...rest] = spec.containers;
  if (first === undefined) return spec;
  const container = { ...first };
  const volumes = [...((spec['volumes'] as unknown[] | undefined) ?? [])];
  if ('envFrom' in c.use) {
    container['envFrom'] = [
      ...((first['envFrom'] as unknown[] | undefined) ?? []),
      { configMapRef: { name: c.configMap } },
    ];
  } else if ('keys' in c.use) {
    const env = c.use.keys.map(([name, key]) => ({ name, valueFrom: { configMapKeyRef: { name: c.configMap, key } } }));
    container['env'] = [...((first['env'] as unknown[] | undefined) ?? []), ...env];
  } else {
    const volume = `${c.configMap}-volume`;
    volumes.push({ name: volume, configMap: { name: c.configMap } });
    container['volumeMounts'] = [
      ...((first['volumeMounts'] as unknown[] | undefined) ?? []),
      { name: volume, mountPath: c.use.mountPath, readOnly: true },
    ];
  }
  return { ...spec, containers: [container, ...rest], ...(volumes.length > 0 ? { volumes } : {}) };
}

const withTemplate = <T extends KubeObject & { spec: { template: PodTemplate } }>(
  object: T,
  c: ConfigMapConsumer,
): T => ({
  ...object,
  spec: { ...object.spec, template: { ...object.spec.template, spec: withUse(object.spec.template.spec, c) } },
});

/**
 * Adds the consumers to the freshly loaded cluster. Must run before the cluster is shown to anyone (the
 * controllers reconcile on the next tick and find the Deployment and its ReplicaSet still alike).
 */
export function wireConfigMapConsumers(
  cluster: Cluster,
  consumers: readonly ConfigMapConsumer[] = DEMO_CONSUMERS,
): void {
  for (const c of consumers) {
    const deployment = cluster.store.get('deployments', c.namespace, c.deployment) as Deployment | undefined;
    if (deployment === undefined)
      throw new Error(`demo secrets: no deployment ${c.namespace}/${c.deployment} in the scenario`);
    const uid = deployment.metadata.uid;
    cluster.store.write('deployments', withTemplate(deployment, c));
    for (const rs of cluster.store.controlledBy('replicasets', uid ?? '') as ReplicaSet[]) {
      cluster.store.write('replicasets', withTemplate(rs, c));
      for (const pod of cluster.store.controlledBy('pods', rs.metadata.uid ?? '') as Pod[]) {
        cluster.store.write('pods', { ...pod, spec: withUse(pod.spec, c) });
      }
    }
  }
}
