import type { Pod } from 'kubernetes-types/core/v1.js';
import type { z } from 'zod';
import type { Catalogue } from '../../../catalogue.js';
import type { Config } from '../../../config.js';
import type { ClusterInfo, Kube } from '../../../integrations/kubernetes.js';
import type { VaultDeps } from '../../../integrations/vault-connection.js';
import type { JobDeps } from '../../../jobs/job.js';
import type { HealthReport } from '../../health/measure.js';
import type { ManifestCache } from '../manifests.js';

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

/** Cluster reads the checks of one run share (ClusterView in checks.ts), so they list the pods once. */
export interface ClusterReads {
  allPods(): Promise<Pod[]>;
  health(): Promise<HealthReport>;
}

/**
 * One kind of check: a file under checks/ each, listed in checks/table.ts. `Check` is the check as loaded:
 * `{ kind }` and its YAML fields (and, for checks that name manifests, their objects).
 */
export interface CheckKind<Check extends { kind: string }> {
  kind: Check['kind'];
  /** The runbook YAML under `check.<kind>`. */
  schema: z.ZodType<Omit<Check, 'kind'>>;
  /** At load, for checks that name manifests: the check with their objects, or undefined after recording problems. */
  resolve?(check: Check, at: string, manifests: ManifestCache, problems: string[]): Promise<Check | undefined>;
  /** What it tests, in words: the plan shows it before anything runs. */
  describe(check: Check): string;
  /** Reads only: the cluster (and PostgreSQL for benchmarks, Vault for Vault's checks). */
  evaluate(check: Check, deps: CheckDeps, view: ClusterReads): Promise<CheckResult>;
}

export const pass = (detail: string): CheckResult => ({ outcome: 'pass', detail });
export const fail = (detail: string): CheckResult => ({ outcome: 'fail', detail });
export const count = (n: number) => n.toLocaleString('en-US');
export const ref = (o: { metadata: { namespace?: string; name: string } }) =>
  `${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** A list of names for a message: the first few, the rest counted. */
export function names(items: readonly string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
