import type { JobDeps } from '../../jobs/job.js';
import type { Catalogue } from '../../catalogue.js';
import type { Config } from '../../config.js';
import { isUserError } from '../../errors.js';
import type { ClusterInfo } from '../../integrations/kubernetes.js';
import type { Kube } from '../../integrations/kubernetes.js';
import type { Logger } from '../../log.js';
import type { VaultDeps } from '../../integrations/vault-connection.js';

/**
 * A section of a status post or handoff comes from one data source. A source that has nothing to say,
 * or cannot be read, yields `not-measured` with the reason, which the report prints instead of a number:
 * a missing figure is never guessed, and one failing source never stops the others.
 */
export type Section<T> = { state: 'measured'; value: T } | { state: 'not-measured'; reason: string };

export const measured = <T>(value: T): Section<T> => ({ state: 'measured', value });
export const notMeasured = <T = never>(reason: string): Section<T> => ({ state: 'not-measured', reason });

/** What providers read from: the worker's clients, the time of the report and the job it belongs to. */
export interface SectionContext {
  config: Config;
  kube: Kube;
  cluster: ClusterInfo;
  store: JobDeps['store'];
  catalogue: Catalogue;
  /** The Vault the data checks read (sys/health, PostgreSQL passwords), when configured. */
  vault?: VaultDeps;
  log: Logger;
  jobId: string;
  now: Date;
}

/** One data source → one section. Small and separate, so a source is added or replaced in one place. */
export interface SectionProvider<T, I = void> {
  /** Names the source in reasons and logs, e.g. "Kafka benchmarks". */
  title: string;
  collect(ctx: SectionContext, input: I): Promise<Section<T>>;
}

/**
 * Runs a provider; a failure becomes `not-measured` with a reason the reader can act on (a user-facing
 * error's own message; otherwise "internal error" with the job id, the details in the log).
 */
export async function collect<T, I>(
  provider: SectionProvider<T, I>,
  ctx: SectionContext,
  input: I,
): Promise<Section<T>> {
  try {
    return await provider.collect(ctx, input);
  } catch (error) {
    if (isUserError(error)) return notMeasured(`${provider.title} could not be read: ${error.message}`);
    ctx.log.warn({ err: error, source: provider.title }, 'status section failed');
    return notMeasured(`${provider.title} could not be read (internal error, logged with job ${ctx.jobId}).`);
  }
}
