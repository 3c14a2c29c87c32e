import { takeHealthSnapshot } from '../../health/snapshot.js';
import type { HealthReport } from '../../health/measure.js';
import type { SnapshotSummary } from '../../health/store.js';
import type { DataCheck } from '../../health/data-services/check.js';
import type { PostRecord } from '../store.js';
import { measured, type SectionProvider } from '../sections.js';

export interface HealthNow {
  report: HealthReport;
  snapshotId: string;
  /** What the change is measured against: the previous daily post's snapshot, else the previous snapshot. */
  baseline?: { snapshot: SnapshotSummary; label: string };
  /** The baseline snapshot's data checks, to show what changed; absent when it has none. */
  baselineDataServices?: DataCheck[];
}

/** Health measured now and stored as a snapshot (the same measurement as `/carbon health`). */
export const healthNow: SectionProvider<
  HealthNow,
  { previousPost?: PostRecord; progress?: (text: string) => Promise<void> }
> = {
  title: 'Platform health',
  async collect(ctx, { previousPost, progress }) {
    const taken = await takeHealthSnapshot(ctx, { jobId: ctx.jobId, ...(progress ? { progress } : {}) });
    let baseline: HealthNow['baseline'];
    if (previousPost?.snapshotId !== undefined) {
      const snapshot = await ctx.store.health.byId(previousPost.snapshotId, ctx.cluster.name);
      if (snapshot !== undefined) baseline = { snapshot, label: 'the previous daily post' };
    }
    if (baseline === undefined && taken.previous !== undefined)
      baseline = { snapshot: taken.previous, label: 'the previous measurement' };
    const before =
      baseline === undefined || taken.report.dataServices === undefined
        ? undefined
        : (await ctx.store.health.byId(baseline.snapshot.id, ctx.cluster.name))?.dataServices;
    return measured({
      report: taken.report,
      snapshotId: taken.snapshotId,
      ...(baseline ? { baseline } : {}),
      ...(before ? { baselineDataServices: before } : {}),
    });
  },
};
