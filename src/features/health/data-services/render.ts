import type { KnownBlock } from '@slack/types';
import { escapeMrkdwn, lineList, section } from '../../../message.js';
import type { CheckKind, CheckState, DataCheck } from './check.js';

const ICON: Record<CheckState, string> = { ok: '✅', failed: '❌', 'not-measured': '⚪' };

export const KIND_TITLE: Record<CheckKind, string> = {
  kafka: 'Kafka',
  postgres: 'PostgreSQL',
  vault: 'Vault',
  tls: 'TLS certificates',
  http: 'Public URLs',
  nodes: 'Node resources',
};

const ORDER: CheckKind[] = ['kafka', 'postgres', 'vault', 'tls', 'http', 'nodes'];

/** `12:03:04`: the time of day of a measurement (the report's header has the date). */
const clock = (iso: string): string => iso.slice(11, 19);

/** One check in one line: its state, what, the figures or why not, its source and time. */
export function checkLine(c: DataCheck, options: { source?: boolean } = {}): string {
  const text =
    c.state === 'not-measured'
      ? `not measured: ${escapeMrkdwn(c.summary)}`
      : c.state === 'failed'
        ? `*${escapeMrkdwn((c.problems ?? []).join('; '))}*: ${escapeMrkdwn(c.summary)}`
        : escapeMrkdwn(c.summary);
  const source = options.source === false ? '' : ` (${escapeMrkdwn(c.source)}, ${clock(c.measuredAt)} UTC)`;
  return `${ICON[c.state]} ${escapeMrkdwn(c.target)}: ${text}${source}`;
}

/** `3 ✅ 1 ❌ 2 ⚪`: a count of the checks by state. */
export function tally(checks: readonly DataCheck[]): string {
  const n = (s: CheckState) => checks.filter((c) => c.state === s).length;
  return `${n('ok')} ✅ · ${n('failed')} ❌ · ${n('not-measured')} ⚪ not measured`;
}

/** The Data services section: a title with the count, then one block per kind of check (each inside Slack's limits). */
export function dataServicesBlocks(checks: readonly DataCheck[] | undefined): KnownBlock[] {
  if (checks === undefined) return [];
  if (checks.length === 0) return [section('*Data services:* no checks in the catalogue for this scope.')];
  const blocks: KnownBlock[] = [section(`*Data services* (${tally(checks)})`)];
  for (const kind of ORDER) {
    const ofKind = checks.filter((c) => c.kind === kind);
    if (ofKind.length === 0) continue;
    // Failing first, then not measured: what an operator acts on is never the part cut off.
    const rank: Record<CheckState, number> = { failed: 0, 'not-measured': 1, ok: 2 };
    const sorted = [...ofKind].sort((a, b) => rank[a.state] - rank[b.state] || a.target.localeCompare(b.target));
    blocks.push(
      lineList(
        `_${KIND_TITLE[kind]}_`,
        sorted.map((c) => checkLine(c)),
      ),
    );
  }
  return blocks;
}
