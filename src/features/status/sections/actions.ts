import type { AuditOutcome, AuditRow } from '../../../store/audit-log.js';
import { measured, type SectionProvider } from '../sections.js';

/** Outcomes that end an action: what was done and how it went. */
export const RESULT_OUTCOMES: readonly AuditOutcome[] = ['succeeded', 'failed', 'expired', 'rejected'];
/** Outcomes that are asks or refusals, counted but not listed. */
const OTHER_OUTCOMES: readonly AuditOutcome[] = ['requested', 'approved', 'started', 'denied', 'refused'];

const MAX_RESULTS = 100;
const MAX_COUNTED = 1000;

export interface RecentActions {
  since: Date;
  until: Date;
  /** Finished actions, oldest first. */
  results: AuditRow[];
  /** More finished actions than listed. */
  truncated: boolean;
  /** Every audit row of the period by outcome (requests, approvals, refusals too). */
  counts: Partial<Record<AuditOutcome, number>>;
}

/** Restarts, migrations and every other audited action of the period, from the append-only audit log. */
export const recentActions: SectionProvider<RecentActions, { since: Date; until: Date }> = {
  title: 'Actions (audit log)',
  async collect(ctx, { since, until }) {
    const [results, others] = await Promise.all([
      ctx.store.audit.list({ since, until, outcomes: RESULT_OUTCOMES }, MAX_RESULTS + 1),
      ctx.store.audit.list({ since, until, outcomes: OTHER_OUTCOMES }, MAX_COUNTED),
    ]);
    const counts: Partial<Record<AuditOutcome, number>> = {};
    for (const row of [...results, ...others]) counts[row.outcome] = (counts[row.outcome] ?? 0) + 1;
    return measured({
      since,
      until,
      results: results.slice(0, MAX_RESULTS).reverse(),
      truncated: results.length > MAX_RESULTS,
      counts,
    });
  },
};
