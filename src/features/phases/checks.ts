import type { JobDeps } from '../../jobs/job.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { Catalogue } from '../../catalogue.js';
import type { Config } from '../../config.js';
import { measureHealth, type HealthReport } from '../health/measure.js';
import type { ClusterInfo } from '../../integrations/kubernetes.js';
import { isReady, problemOf } from '../health/pod-state.js';
import { ClusterUnavailable, KindNotServed, type Kube } from '../../integrations/kubernetes.js';
import { BASELINE_WORDS } from '../bench/store.js';
import type { VaultDeps } from '../../integrations/vault-connection.js';
import { measureCoverage } from '../vault/coverage.js';
import type { ResolvedCheck } from './runbook.js';

/** pass: the condition holds; fail: it does not; unverifiable: it cannot be evaluated here (say why). */
export type CheckOutcome = 'pass' | 'fail' | 'unverifiable';

export interface CheckResult {
  outcome: CheckOutcome;
  /** What was measured, with numbers: shown in the report and stored as the task's detail. */
  detail: string;
}

export interface CheckDeps {
  config: Config;
  kube: Kube;
  store: JobDeps['store'];
  catalogue: Catalogue;
  cluster: ClusterInfo;
  vault?: VaultDeps;
}

/** Cluster reads shared by the checks of one run, so five health-based checks list the pods once. */
export class ClusterView {
  private pods?: Promise<Pod[]>;
  private report?: Promise<HealthReport>;

  constructor(private readonly deps: CheckDeps) {}

  allPods(): Promise<Pod[]> {
    this.pods ??= this.deps.kube.listPods();
    return this.pods;
  }

  health(): Promise<HealthReport> {
    this.report ??= (async () => {
      const [pods, deployments, statefulSets] = await Promise.all([
        this.allPods(),
        this.deps.kube.listDeployments(),
        this.deps.kube.listStatefulSets(),
      ]);
      return measureHealth({
        cluster: this.deps.cluster,
        takenAt: new Date(),
        pods,
        workloads: { deployments, statefulSets },
        catalogue: this.deps.catalogue,
      });
    })();
    return this.report;
  }
}

const pass = (detail: string): CheckResult => ({ outcome: 'pass', detail });
const fail = (detail: string): CheckResult => ({ outcome: 'fail', detail });
const count = (n: number) => n.toLocaleString('en-US');
const ref = (o: { metadata: { namespace?: string; name: string } }) =>
  `${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** A list of names for a message: the first few, the rest counted. */
export function names(items: readonly string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** What a check tests, in words: the plan shows it before anything runs. */
export function describeCheck(check: ResolvedCheck): string {
  switch (check.kind) {
    case 'certificatesReady':
      return `the ${check.objects?.length ?? 0} Certificates of ${check.manifests.join(', ')} are Ready`;
    case 'vaultUnsealed':
      return 'Vault answers, initialized and unsealed';
    case 'podsReady':
      return `at least ${check.expect} pods \`${check.selector}\` Ready in ${check.namespace}`;
    case 'noProblemPods': {
      const where = check.namespace ? `in ${check.namespace}` : 'in any namespace';
      return `no pod in ${check.reasons.join(' or ')} ${where}`;
    }
    case 'kafkaBaseline':
      return (
        `the latest Kafka benchmark with the baseline's parameters (${BASELINE_WORDS}) ` +
        `against KAFKA_BROKERS reached ${count(check.minRecordsPerSec)} records/sec`
      );
    case 'pdbsCoverCritical':
      return 'every critical service with more than one replica has a PodDisruptionBudget';
    case 'quotasPresent':
      return `a ResourceQuota in each of ${check.namespaces.join(', ')}`;
    case 'healthAtLeast':
      return `platform health at least ${check.pct} %`;
    case 'criticalReplicas':
      return `every critical service runs at least ${check.min} replicas`;
    case 'criticalServicesUp':
      return 'every critical service fully up (ready = desired)';
    case 'manifestsPresent':
      return `the ${check.objects?.length ?? 0} objects of ${check.manifests.join(', ')} exist`;
    case 'secretsInVault':
      return (
        `at least ${check.minPct} % of the secret-looking ConfigMap ` +
        `keys ${check.namespace ? `in ${check.namespace} ` : ''}are in Vault`
      );
  }
}

/**
 * Evaluates one check against the cluster (and PostgreSQL for benchmarks). Reads only. A cluster that
 * cannot be reached is an error (the job says so); a kind the cluster does not serve is a failed check.
 */
export async function evaluateCheck(
  check: ResolvedCheck,
  deps: CheckDeps,
  view: ClusterView = new ClusterView(deps),
): Promise<CheckResult> {
  try {
    return await evaluate(check, deps, view);
  } catch (error) {
    if (error instanceof KindNotServed) return fail(error.message);
    throw error;
  }
}

async function evaluate(check: ResolvedCheck, deps: CheckDeps, view: ClusterView): Promise<CheckResult> {
  const { kube, store, catalogue, cluster } = deps;
  switch (check.kind) {
    case 'certificatesReady': {
      const objects = check.objects ?? [];
      const missing: string[] = [];
      const notReady: string[] = [];
      for (const { object } of objects) {
        const live = (await kube.read(object)) as
          | { status?: { conditions?: { type?: string; status?: string; reason?: string; message?: string }[] } }
          | undefined;
        if (live === undefined) {
          missing.push(ref(object));
          continue;
        }
        const ready = live.status?.conditions?.find((c) => c.type === 'Ready');
        if (ready?.status !== 'True') notReady.push(`${ref(object)} (${ready?.reason ?? 'no Ready condition yet'})`);
      }
      const readyCount = objects.length - missing.length - notReady.length;
      const summary = `${readyCount} of ${objects.length} certificates Ready`;
      if (missing.length === 0 && notReady.length === 0) return pass(summary);
      return fail(
        [
          summary,
          notReady.length ? `not ready: ${names(notReady)}` : '',
          missing.length ? `missing: ${names(missing)}` : '',
        ]
          .filter(Boolean)
          .join('; '),
      );
    }
    case 'vaultUnsealed': {
      if (deps.vault === undefined)
        return {
          outcome: 'unverifiable',
          detail: 'no Vault is configured for carbon-ops (VAULT_ADDR), so this cannot be checked',
        };
      try {
        const health = await deps.vault.client.health();
        const where = `${deps.vault.simulated ? 'the simulated Vault' : 'Vault'} at ${deps.vault.addr}`;
        const summary =
          `${where} (${health.version}): ${health.initialized ? 'initialized' : 'NOT initialized'}, ` +
          `${health.sealed ? 'SEALED' : 'unsealed'} (${health.status})`;
        return health.initialized && !health.sealed ? pass(summary) : fail(summary);
      } catch (error) {
        return fail(`Vault does not answer: ${(error as Error).message}`);
      }
    }
    case 'podsReady': {
      const pods = (await kube.listPods({ namespace: check.namespace, labelSelector: check.selector })).filter(
        (p) => p.metadata?.deletionTimestamp === undefined,
      );
      const ready = pods.filter(isReady).length;
      const summary =
        `${ready} of ${pods.length} pods \`${check.selector}\` Ready in ${check.namespace} ` +
        `(expected ${check.expect})`;
      return ready >= check.expect ? pass(summary) : fail(summary);
    }
    case 'noProblemPods': {
      const pods =
        check.namespace === undefined ? await view.allPods() : await kube.listPods({ namespace: check.namespace });
      const byReason = new Map<string, string[]>();
      for (const pod of pods) {
        if (pod.metadata?.deletionTimestamp !== undefined) continue;
        const reason = check.reasons.find((r) => inState(pod, r));
        if (reason !== undefined)
          byReason.set(reason, [...(byReason.get(reason) ?? []), `${pod.metadata?.namespace}/${pod.metadata?.name}`]);
      }
      const where = check.namespace ?? 'the cluster';
      if (byReason.size === 0)
        return pass(`no pod in ${check.reasons.join(' or ')} in ${where} (${count(pods.length)} pods looked at)`);
      const total = [...byReason.values()].reduce((n, l) => n + l.length, 0);
      return fail(
        `${total} pods in ${where}: ` +
          `${[...byReason].map(([reason, list]) => `${list.length} ${reason} (${names(list, 3)})`).join('; ')}`,
      );
    }
    case 'kafkaBaseline': {
      // Only a run like the baseline's (BASELINE_PARAMS) against the configured brokers compares with it.
      const brokers = deps.config.KAFKA_BROKERS;
      const latest = await store.benchmarks.latestBaseline(brokers, { cluster: cluster.name });
      if (latest === undefined)
        return fail(
          `no Kafka benchmark with the baseline's parameters (${BASELINE_WORDS}) ` +
            `against ${brokers.join(',')} is stored yet: run \`/carbon bench kafka\``,
        );
      const at = latest.startedAt.toISOString().slice(0, 16).replace('T', ' ');
      const summary =
        `run #${latest.id} at ${at} UTC${latest.jobId ? ` (job ${latest.jobId})` : ''}, ` +
        `${BASELINE_WORDS}, against ${latest.brokers.join(',')}: ` +
        `${count(Math.round(latest.recordsPerSec))} records/sec, ${latest.mbPerSec.toFixed(2)} MB/sec`;
      return latest.recordsPerSec >= check.minRecordsPerSec
        ? pass(`${summary} ≥ ${count(check.minRecordsPerSec)}`)
        : fail(`${summary} < ${count(check.minRecordsPerSec)}`);
    }
    case 'pdbsCoverCritical': {
      const critical = catalogue.services.filter((s) => s.critical);
      const covered: string[] = [];
      const uncovered: string[] = [];
      const pdbsByNamespace = new Map<string, Awaited<ReturnType<Kube['listPodDisruptionBudgets']>>>();
      for (const service of critical) {
        const workload = await kube.readWorkload(service.kind, service.namespace, service.workload);
        const replicas = workload?.spec?.replicas ?? 0;
        if (workload === undefined || replicas <= 1) continue;
        if (!pdbsByNamespace.has(service.namespace))
          pdbsByNamespace.set(service.namespace, await kube.listPodDisruptionBudgets(service.namespace));
        const labels = workload.spec?.template?.metadata?.labels ?? {};
        const pdb = pdbsByNamespace.get(service.namespace)!.find((p) => selects(p.spec?.selector, labels));
        if (pdb !== undefined) covered.push(`${service.name} (${pdb.metadata?.name})`);
        else uncovered.push(`${service.name} (${replicas} replicas)`);
      }
      const summary =
        `${covered.length} of ${covered.length + uncovered.length} critical services with more ` +
        'than one replica covered';
      if (uncovered.length > 0) return fail(`${summary}; no PodDisruptionBudget: ${names(uncovered)}`);
      return pass(`${summary}: ${names(covered, 8)}`);
    }
    case 'quotasPresent': {
      const missing: string[] = [];
      const present: string[] = [];
      for (const namespace of check.namespaces) {
        const quotas = await kube.list('v1', 'ResourceQuota', { namespace });
        if (quotas.length === 0) missing.push(namespace);
        else present.push(`${namespace} (${quotas.map((q) => q.metadata?.name).join(', ')})`);
      }
      const summary = `${present.length} of ${check.namespaces.length} namespaces have a ResourceQuota`;
      return missing.length === 0
        ? pass(`${summary}: ${names(present, 6)}`)
        : fail(`${summary}; none in ${missing.join(', ')}`);
    }
    case 'healthAtLeast': {
      const report = await view.health();
      const pct = report.healthPct;
      const summary =
        `platform health ${pct === null ? 'n/a' : `${pct.toFixed(1)} %`} (${report.pods.ready} ` +
        `of ${report.pods.counted} pods ready) on ${cluster.name}`;
      return pct !== null && pct >= check.pct
        ? pass(`${summary} ≥ ${check.pct} %`)
        : fail(`${summary} < ${check.pct} %`);
    }
    case 'criticalReplicas': {
      const critical = (await view.health()).services.filter((s) => s.critical);
      const short = critical
        .filter((s) => s.desired < check.min)
        .map((s) => `${s.name} (${s.status === 'missing' ? 'missing' : s.desired})`);
      const summary =
        `${critical.length - short.length} of ${critical.length} critical services run at ` +
        `least ${check.min} replicas`;
      return short.length === 0 ? pass(summary) : fail(`${summary}; fewer: ${names(short, 6)}`);
    }
    case 'criticalServicesUp': {
      const critical = (await view.health()).services.filter((s) => s.critical);
      const down = critical
        .filter((s) => s.status !== 'up')
        .map((s) => `${s.name} (${s.status === 'missing' ? 'missing' : `${s.ready}/${s.desired}`})`);
      const summary = `${critical.length - down.length} of ${critical.length} critical services fully up`;
      return down.length === 0 ? pass(summary) : fail(`${summary}; not: ${names(down, 6)}`);
    }
    case 'secretsInVault': {
      const coverage = await measureCoverage(deps, check.namespace);
      const pct = coverage.total === 0 ? 100 : Math.round((coverage.inVault / coverage.total) * 1000) / 10;
      const plain = coverage.configMaps
        .filter((c) => c.keys.some((k) => k.state === 'plain'))
        .map((c) => `${c.namespace}/${c.name}`);
      const summary =
        `${coverage.inVault} of ${coverage.total} secret-looking ConfigMap keys` +
        `${check.namespace ? ` in ${check.namespace}` : ''} in Vault (${pct} %)`;
      if (pct >= check.minPct) return pass(`${summary} ≥ ${check.minPct} %`);
      return fail(
        `${summary} < ${check.minPct} %; still in ConfigMaps: ${names(plain)} (\`vault migrate\` moves them)`,
      );
    }
    case 'manifestsPresent': {
      const objects = check.objects ?? [];
      const missing: string[] = [];
      for (const { object } of objects) {
        try {
          if ((await kube.read(object)) === undefined) missing.push(`${object.kind} ${ref(object)}`);
        } catch (error) {
          if (error instanceof ClusterUnavailable) throw error;
          missing.push(`${object.kind} ${ref(object)} (${(error as Error).message})`);
        }
      }
      const present = objects.length - missing.length;
      const summary = `${present} of ${objects.length} objects of ${check.manifests.join(', ')} present`;
      return missing.length === 0 ? pass(summary) : fail(`${summary}; missing: ${names(missing)}`);
    }
  }
}

/** True when any container waits in `reason` (CrashLoopBackOff, ImagePullBackOff, …) or the pod's problem is it. */
export function inState(pod: Pod, reason: string): boolean {
  if (isReady(pod) || pod.status?.phase === 'Succeeded') return false;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  if (statuses.some((c) => c.state?.waiting?.reason === reason)) return true;
  return problemOf(pod).reason === reason;
}

/**
 * Whether a label selector selects a pod with `labels` (matchLabels and matchExpressions). An empty selector selects
 * all.
 */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const e of selector.matchExpressions ?? []) {
    const value = labels[e.key];
    const values = e.values ?? [];
    if (e.operator === 'In' && (value === undefined || !values.includes(value))) return false;
    if (e.operator === 'NotIn' && value !== undefined && values.includes(value)) return false;
    if (e.operator === 'Exists' && value === undefined) return false;
    if (e.operator === 'DoesNotExist' && value !== undefined) return false;
  }
  return true;
}
