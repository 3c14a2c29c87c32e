import type { V1Deployment, V1PodTemplateSpec, V1StatefulSet } from '@kubernetes/client-node';
import type { WorkloadKind } from '../catalogue.js';

/** A workload that reads a ConfigMap, and how: the ones whose pods a cutover must give the secrets. */
export interface Consumer {
  kind: WorkloadKind;
  name: string;
  /** `envFrom`, `env DATABASE_PASSWORD`, `volume trino-catalog-volume`: how the pod template refers to it. */
  how: string[];
  /** The keys it reads: all of them (`*`: envFrom, a whole volume) or these. */
  keys: '*' | string[];
}

/**
 * The Deployments and StatefulSets whose pod templates read `configMap` (envFrom, env valueFrom
 * configMapKeyRef, configMap volumes and projected volumes, in containers and init containers). Pure.
 */
export function consumersOf(configMap: string, workloads: { deployments: readonly V1Deployment[]; statefulSets: readonly V1StatefulSet[] }): Consumer[] {
  const found: Consumer[] = [];
  const look = (kind: WorkloadKind, name: string, template: V1PodTemplateSpec | undefined) => {
    const spec = template?.spec;
    if (spec === undefined) return;
    const how: string[] = [];
    let all = false;
    const keys = new Set<string>();
    for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
      for (const source of container.envFrom ?? []) {
        if (source.configMapRef?.name === configMap) {
          how.push(`envFrom (${container.name})`);
          all = true;
        }
      }
      for (const env of container.env ?? []) {
        const ref = env.valueFrom?.configMapKeyRef;
        if (ref?.name === configMap) {
          how.push(`env ${env.name} (${container.name})`);
          keys.add(ref.key);
        }
      }
    }
    for (const volume of spec.volumes ?? []) {
      const sources = [volume.configMap, ...(volume.projected?.sources ?? []).map((s) => s.configMap)];
      for (const source of sources) {
        if (source?.name !== configMap) continue;
        how.push(`volume ${volume.name}`);
        if (source.items === undefined) all = true;
        else for (const item of source.items) keys.add(item.key);
      }
    }
    if (how.length > 0) found.push({ kind, name, how, keys: all ? '*' : [...keys].sort() });
  };
  for (const d of workloads.deployments) look('deployment', d.metadata?.name ?? '?', d.spec?.template);
  for (const s of workloads.statefulSets) look('statefulset', s.metadata?.name ?? '?', s.spec?.template);
  return found.sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`));
}

/** Does this consumer read any of `keys`? */
export const readsAny = (consumer: Consumer, keys: readonly string[]): boolean => consumer.keys === '*' || keys.some((k) => consumer.keys.includes(k));
