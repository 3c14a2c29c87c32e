import type { ClusterInfo } from '../../integrations/kubernetes.js';
import type { PostRecord } from './store.js';
import { collect, type Section, type SectionContext } from './sections.js';
import { recentActions, type RecentActions } from './sections/actions.js';
import { latestBenchmarks, type LatestBenchmarks } from './sections/benchmarks.js';
import { certificateExpiry, type CertificateExpiry } from './sections/certificates.js';
import { healthNow, type HealthNow } from './sections/health.js';
import { phaseProgress, type PhaseState } from './sections/phases.js';
import { healthTrend, type HealthTrend } from './sections/trend.js';
import { vaultCoverage, type VaultCoverage } from './sections/vault.js';

/** What a status post looks back over and ahead to. */
export const STATUS_WINDOWS = {
  actionsMs: 24 * 3_600_000,
  certificateDays: 14,
  trendMs: 14 * 86_400_000,
  benchmarks: 3,
} as const;

/** The scheduled tick a post is for: absent for `/carbon status`. */
export interface Tick {
  at: Date;
  /** Posted more than LATE_AFTER_MS after its time (everything was down, or a worker was). */
  late: boolean;
}

/** Everything a status post shows: each section measured or not, never guessed. */
export interface StatusData {
  cluster: ClusterInfo;
  at: Date;
  tz: string;
  jobId: string;
  tick?: Tick;
  health: Section<HealthNow>;
  phases: Section<PhaseState>;
  benchmarks: Section<LatestBenchmarks>;
  vault: Section<VaultCoverage>;
  actions: Section<RecentActions>;
  certificates: Section<CertificateExpiry>;
  trend: Section<HealthTrend>;
}

/**
 * Collects a status post's sections. Health is measured first (it is the slow one and shows progress);
 * the others read stored data and the cluster in parallel. A failing source is reported in its section.
 */
export async function composeStatus(
  ctx: SectionContext,
  options: { tz: string; tick?: Tick; previousPost?: PostRecord; progress?: (text: string) => Promise<void> },
): Promise<StatusData> {
  const now = ctx.now;
  const health = await collect(healthNow, ctx, {
    ...(options.previousPost ? { previousPost: options.previousPost } : {}),
    ...(options.progress ? { progress: options.progress } : {}),
  });
  await options.progress?.('Reading phases, benchmarks, Vault, the audit log and certificates…');
  const [phases, benchmarks, vault, actions, certificates, trend] = await Promise.all([
    collect(phaseProgress, ctx, {}),
    collect(latestBenchmarks, ctx, { limit: STATUS_WINDOWS.benchmarks }),
    collect(vaultCoverage, ctx, {}),
    collect(recentActions, ctx, { since: new Date(now.getTime() - STATUS_WINDOWS.actionsMs), until: now }),
    collect(certificateExpiry, ctx, { withinDays: STATUS_WINDOWS.certificateDays }),
    collect(healthTrend, ctx, { since: new Date(now.getTime() - STATUS_WINDOWS.trendMs) }),
  ]);
  return {
    cluster: ctx.cluster,
    at: now,
    tz: options.tz,
    jobId: ctx.jobId,
    ...(options.tick ? { tick: options.tick } : {}),
    health,
    phases,
    benchmarks,
    vault,
    actions,
    certificates,
    trend,
  };
}
