import type { SnapshotSummary } from '../../health/store.js';
import { measured, notMeasured, type SectionProvider } from '../sections.js';

export interface HealthTrend {
  since: Date;
  /** Cluster-wide snapshots with a health figure, oldest first. */
  points: (SnapshotSummary & { healthPct: number })[];
}

/** Platform health over time, from every stored cluster-wide snapshot (health_snapshots). */
export const healthTrend: SectionProvider<HealthTrend, { since: Date }> = {
  title: 'Health trend',
  async collect(ctx, { since }) {
    const points = (await ctx.store.health.trend(ctx.cluster.name, since)).filter(
      (p): p is SnapshotSummary & { healthPct: number } => p.healthPct !== null,
    );
    if (points.length === 0) return notMeasured('no cluster-wide health snapshot in the period.');
    return measured({ since, points });
  },
};
