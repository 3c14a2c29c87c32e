import { takeHealthSnapshot } from '../../health/snapshot.js';
import type { HealthReport } from '../../health/measure.js';
import type { SnapshotSummary } from '../../health/store.js';
import type { PostRecord } from '../store.js';
import { measured, type SectionProvider } from '../sections.js';

export interface HealthNow {
  report: HealthReport;
  snapshotId: string;
  /** What the change is measured against: the previous daily post's snapshot, else the previous snapshot. */
  baseline?: { snapshot: SnapshotSummary; label: string };
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
    return measured({ report: taken.report, snapshotId: taken.snapshotId, ...(baseline ? { baseline } : {}) });
  },
};
