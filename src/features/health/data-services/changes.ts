import type { CheckState, DataCheck } from './check.js';

/** A check whose state is not what it was in the earlier snapshot (or that is new since). */
export interface CheckChange {
  kind: DataCheck['kind'];
  target: string;
  before: CheckState | 'absent';
  now: CheckState;
}

const key = (c: Pick<DataCheck, 'kind' | 'target'>) => `${c.kind} ${c.target}`;

/** What changed between two snapshots' data checks, worst news first. Empty without an earlier set to compare. */
export function dataChanges(now: readonly DataCheck[], before: readonly DataCheck[] | undefined): CheckChange[] {
  if (before === undefined) return [];
  const earlier = new Map(before.map((c) => [key(c), c.state]));
  const rank: Record<CheckState, number> = { failed: 0, 'not-measured': 1, ok: 2 };
  return now
    .map((c) => ({ kind: c.kind, target: c.target, before: earlier.get(key(c)) ?? ('absent' as const), now: c.state }))
    .filter((c) => c.before !== c.now)
    .sort((a, b) => rank[a.now] - rank[b.now] || a.target.localeCompare(b.target));
}
