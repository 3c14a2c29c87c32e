import type { Pod } from 'kubernetes-types/core/v1.js';
import { measureHealth, type HealthReport } from '../health/measure.js';
import { KindNotServed } from '../../integrations/kubernetes.js';
import { CHECKS, type ResolvedCheck } from './checks/table.js';
import { fail, type CheckDeps, type CheckKind, type CheckResult, type ClusterReads } from './checks/kind.js';
import type { ManifestCache } from './manifests.js';

/**
 * The checks of the phase runbooks: one file per kind under checks/, listed in checks/table.ts. Here: the
 * cluster reads they share, and the dispatch to a check's kind.
 */

export type { CheckDeps, CheckOutcome, CheckResult } from './checks/kind.js';

/** Cluster reads shared by the checks of one run, so five health-based checks list the pods once. */
export class ClusterView implements ClusterReads {
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

/** The kind of a check, typed for it (the table's type cannot follow one check to its entry). */
const kindOf = <C extends ResolvedCheck>(check: C): CheckKind<C> => CHECKS[check.kind] as unknown as CheckKind<C>;

/** What a check tests, in words: the plan shows it before anything runs. */
export function describeCheck(check: ResolvedCheck): string {
  return kindOf(check).describe(check);
}

/** At load: the check with what its kind resolves (the objects of the manifests it names), or undefined. */
export async function resolveCheck(
  check: ResolvedCheck,
  at: string,
  manifests: ManifestCache,
  problems: string[],
): Promise<ResolvedCheck | undefined> {
  const kind = kindOf(check);
  return kind.resolve === undefined ? check : kind.resolve(check, at, manifests, problems);
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
    return await kindOf(check).evaluate(check, deps, view);
  } catch (error) {
    if (error instanceof KindNotServed) return fail(error.message);
    throw error;
  }
}
