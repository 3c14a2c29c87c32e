import type { Deployment, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { WorkloadKind } from '../../catalogue.js';

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
export function consumersOf(
  configMap: string,
  workloads: { deployments: readonly Deployment[]; statefulSets: readonly StatefulSet[] },
): Consumer[] {
  const found: Consumer[] = [];
  const look = (kind: WorkloadKind, name: string, template: PodTemplateSpec | undefined) => {
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
export const readsAny = (consumer: Consumer, keys: readonly string[]): boolean =>
  consumer.keys === '*' || keys.some((k) => consumer.keys.includes(k));

/**
 * Why each of `keys` must stay in the ConfigMap at a cutover, by the workloads' pod templates now (an
 * empty map: all may go). A key a container reads through a non-optional `env.valueFrom.configMapKeyRef`
 * or a configMap volume item always stays: kubelet cannot start a new pod without it
 * (CreateContainerConfigError, or a failed mount), whatever the app reads. A key read through `envFrom`
 * or a whole configMap volume stays unless the operator said the apps read the injected files
 * (`/vault/secrets/<KEY>`), since the app would lose its credential. Pure.
 */
export function keysStillRead(
  configMap: string,
  workloads: { deployments: readonly Deployment[]; statefulSets: readonly StatefulSet[] },
  keys: readonly string[],
  appsReadVaultFiles: boolean,
): Map<string, string[]> {
  const kept = new Map<string, string[]>();
  const keep = (key: string, why: string) => {
    if (!keys.includes(key)) return;
    const list = kept.get(key) ?? [];
    if (!list.includes(why)) list.push(why);
    kept.set(key, list);
  };
  const look = (ref: string, template: PodTemplateSpec | undefined) => {
    const spec = template?.spec;
    if (spec === undefined) return;
    for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
      for (const env of container.env ?? []) {
        const source = env.valueFrom?.configMapKeyRef;
        if (source?.name === configMap && source.optional !== true)
          keep(source.key, `${ref} reads it as env ${env.name} (configMapKeyRef): remove that reference first`);
      }
      if (!appsReadVaultFiles && (container.envFrom ?? []).some((s) => s.configMapRef?.name === configMap)) {
        for (const key of keys) keep(key, `${ref} reads it through envFrom`);
      }
    }
    for (const volume of spec.volumes ?? []) {
      for (const source of [volume.configMap, ...(volume.projected?.sources ?? []).map((s) => s.configMap)]) {
        if (source?.name !== configMap) continue;
        if (source.items !== undefined) {
          if (source.optional !== true)
            for (const item of source.items)
              keep(item.key, `${ref} mounts it as a volume item (volume ${volume.name}): remove that item first`);
        } else if (!appsReadVaultFiles) {
          for (const key of keys) keep(key, `${ref} reads it as a file of volume ${volume.name}`);
        }
      }
    }
  };
  for (const d of workloads.deployments) look(`deployment/${d.metadata?.name ?? '?'}`, d.spec?.template);
  for (const s of workloads.statefulSets) look(`statefulset/${s.metadata?.name ?? '?'}`, s.spec?.template);
  return kept;
}
