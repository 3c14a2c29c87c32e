import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { WorkloadKind } from '../../catalogue.js';

/** What can read a ConfigMap: every kind that holds a pod template, and bare pods. */
export type ReaderKind = WorkloadKind | 'daemonset' | 'replicaset' | 'job' | 'cronjob' | 'pod';

/** Only these get the injector annotations at a cutover: carbon-ops patches no other kind. */
export const isAnnotated = (kind: ReaderKind): kind is WorkloadKind => kind === 'deployment' || kind === 'statefulset';

/** Everything in a namespace that runs pods, as listed: where the readers of a ConfigMap are looked for. */
export interface PodRunners {
  deployments: readonly Deployment[];
  statefulSets: readonly StatefulSet[];
  daemonSets: readonly DaemonSet[];
  replicaSets: readonly ReplicaSet[];
  jobs: readonly Job[];
  cronJobs: readonly CronJob[];
  pods: readonly Pod[];
}

/** A reader of a ConfigMap, and how: the plan lists them, a cutover annotates the Deployments and StatefulSets. */
export interface Consumer {
  kind: ReaderKind;
  name: string;
  /** `envFrom (api)`, `env DATABASE_PASSWORD (api)`, `volume trino-catalog-volume`: how its pods refer to it. */
  how: string[];
  /** The keys it reads: all of them (`*`: envFrom, a whole volume) or these. */
  keys: '*' | string[];
}

/** One place a pod spec reads the ConfigMap. */
interface Reference {
  via: 'env' | 'item' | 'envFrom' | 'volume';
  how: string;
  /** The key named, or `*` for all (envFrom, a whole volume). */
  key: string;
  /** A non-optional configMapKeyRef or volume item: kubelet cannot start a container without the key. */
  required: boolean;
}

/** Where a pod spec reads `configMap`: envFrom, env configMapKeyRef (all containers), configMap and projected volumes. */
function references(configMap: string, spec: PodSpec): Reference[] {
  const found: Reference[] = [];
  for (const container of [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])]) {
    for (const source of container.envFrom ?? [])
      if (source.configMapRef?.name === configMap)
        found.push({ via: 'envFrom', how: `envFrom (${container.name})`, key: '*', required: false });
    for (const env of container.env ?? []) {
      const ref = env.valueFrom?.configMapKeyRef;
      if (ref?.name === configMap)
        found.push({ via: 'env', how: `env ${env.name} (${container.name})`, key: ref.key, required: !ref.optional });
    }
  }
  for (const volume of spec.volumes ?? []) {
    for (const source of [volume.configMap, ...(volume.projected?.sources ?? []).map((s) => s.configMap)]) {
      if (source?.name !== configMap) continue;
      const how = `volume ${volume.name}`;
      if (source.items === undefined) found.push({ via: 'volume', how, key: '*', required: false });
      else for (const item of source.items) found.push({ via: 'item', how, key: item.key, required: !source.optional });
    }
  }
  return found;
}

/** One listed object that runs pods: its pod spec, and the uid of the object that controls it. */
interface Runner {
  kind: ReaderKind;
  name: string;
  uid?: string;
  controller?: string;
  spec?: PodSpec;
  /**
   * False when it starts no container any more: a finished Job or Pod, a ReplicaSet scaled to zero (a Deployment's
   * history). Its spec reads nothing; its owner's template still counts.
   */
  runs: boolean;
}

const runner = (kind: ReaderKind, metadata: ObjectMeta | undefined, spec: PodSpec | undefined, runs = true) => ({
  kind,
  name: metadata?.name ?? '?',
  uid: metadata?.uid,
  controller: metadata?.ownerReferences?.find((o) => o.controller)?.uid,
  spec,
  runs,
});

const finished = (job: Job): boolean =>
  (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');

function runners(r: PodRunners): Runner[] {
  return [
    ...r.deployments.map((o) => runner('deployment', o.metadata, o.spec?.template.spec)),
    ...r.statefulSets.map((o) => runner('statefulset', o.metadata, o.spec?.template.spec)),
    ...r.daemonSets.map((o) => runner('daemonset', o.metadata, o.spec?.template.spec)),
    ...r.cronJobs.map((o) => runner('cronjob', o.metadata, o.spec?.jobTemplate.spec?.template.spec)),
    ...r.replicaSets.map((o) =>
      runner('replicaset', o.metadata, o.spec?.template?.spec, (o.spec?.replicas ?? 1) > 0 || !!o.status?.replicas),
    ),
    ...r.jobs.map((o) => runner('job', o.metadata, o.spec?.template.spec, !finished(o))),
    ...r.pods.map((o) =>
      runner('pod', o.metadata, o.spec, o.status?.phase !== 'Succeeded' && o.status?.phase !== 'Failed'),
    ),
  ];
}

/**
 * Each reader with the pod specs that count for it. A ReplicaSet, Job or Pod controlled by an object listed here
 * counts under the top one of its chain (Pod → ReplicaSet → Deployment, Pod → Job → CronJob), never on its own;
 * one whose controller is not listed (gone, or a kind of its own) is a reader itself.
 */
function readers(r: PodRunners): { kind: ReaderKind; name: string; specs: PodSpec[] }[] {
  const all = runners(r);
  const byUid = new Map(all.filter((x) => x.uid !== undefined).map((x) => [x.uid!, x]));
  const top = (x: Runner): Runner => {
    const seen = new Set([x]);
    for (let next = byUid.get(x.controller ?? ''); next !== undefined && !seen.has(next);) {
      seen.add(next);
      x = next;
      next = byUid.get(x.controller ?? '');
    }
    return x;
  };
  const specs = new Map<Runner, PodSpec[]>();
  for (const x of all) {
    if (!x.runs || x.spec === undefined) continue;
    const owner = top(x);
    specs.set(owner, [...(specs.get(owner) ?? []), x.spec]);
  }
  return [...specs].map(([owner, list]) => ({ kind: owner.kind, name: owner.name, specs: list }));
}

/** Every reader of `configMap` in these objects, with how it reads it and which keys. Pure. */
export function consumersOf(configMap: string, runners: PodRunners): Consumer[] {
  const found: Consumer[] = [];
  for (const reader of readers(runners)) {
    const refs = reader.specs.flatMap((spec) => references(configMap, spec));
    if (refs.length === 0) continue;
    const keys = refs.some((ref) => ref.key === '*') ? '*' : [...new Set(refs.map((ref) => ref.key))].sort();
    found.push({ kind: reader.kind, name: reader.name, how: [...new Set(refs.map((ref) => ref.how))], keys });
  }
  return found.sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`));
}

/** Does this consumer read any of `keys`? */
export const readsAny = (consumer: Consumer, keys: readonly string[]): boolean =>
  consumer.keys === '*' || keys.some((k) => consumer.keys.includes(k));

/** Why a reference keeps its keys at a cutover, or undefined when they may go. */
function keepsBecause(ref: Reference, reader: string, annotated: boolean, appsReadVaultFiles: boolean) {
  if (!annotated)
    return `${reader} reads it (${ref.how}) and gets no injector annotations (carbon-ops annotates only Deployments and StatefulSets)`;
  if (ref.via === 'env' && ref.required)
    return `${reader} reads it as ${ref.how} (configMapKeyRef): remove that reference first`;
  if (ref.via === 'item' && ref.required)
    return `${reader} mounts it as a volume item (${ref.how}): remove that item first`;
  if (appsReadVaultFiles) return undefined;
  if (ref.via === 'envFrom') return `${reader} reads it through ${ref.how}`;
  if (ref.via === 'volume') return `${reader} reads it as a file of ${ref.how}`;
  return undefined;
}

/**
 * Why each of `keys` must stay in the ConfigMap at a cutover, by what the readers' pods read now (an empty map:
 * all may go). Every key a reader that gets no injector annotations reads stays: its pods would lose the value. A
 * key a container reads through a non-optional `env.valueFrom.configMapKeyRef` or a configMap volume item always
 * stays: kubelet cannot start a new pod without it (CreateContainerConfigError, or a failed mount), whatever the app
 * reads. A key read through `envFrom` or a whole configMap volume stays unless the operator said the apps read the
 * injected files (`/vault/secrets/<KEY>`), since the app would lose its credential. Pure.
 */
export function keysStillRead(
  configMap: string,
  runners: PodRunners,
  keys: readonly string[],
  appsReadVaultFiles: boolean,
): Map<string, string[]> {
  const kept = new Map<string, string[]>();
  for (const reader of readers(runners)) {
    for (const ref of reader.specs.flatMap((spec) => references(configMap, spec))) {
      const why = keepsBecause(ref, `${reader.kind}/${reader.name}`, isAnnotated(reader.kind), appsReadVaultFiles);
      if (why === undefined) continue;
      for (const key of ref.key === '*' ? keys : keys.filter((k) => k === ref.key)) {
        const list = kept.get(key) ?? [];
        if (!list.includes(why)) list.push(why);
        kept.set(key, list);
      }
    }
  }
  return kept;
}
