import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { parseDuration } from '../commands/duration.js';
import type { Config } from '../config.js';
import { Closer, openStore } from '../app/deps.js';
import { isUserError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AuditFilter, AuditRow } from '../store/audit-log.js';

export const AUDIT_USAGE =
  'Usage: carbon audit export --since 24h|7d|2026-11-01T00:00:00Z [--until TIME] ' +
  '[--user ID] [--action restart] [--format jsonl] [--out FILE]\n' +
  '  Writes the audit trail, oldest first, one JSON object a line (JSON Lines), to stdout or FILE.';

/** Exit codes as for `carbon run`. */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** `--since`/`--until`: a duration back from now (24h, 7d) or an ISO 8601 time. */
export function parseTime(text: string, now = Date.now()): Date {
  if (/^\d+[smhdw]$/i.test(text.trim())) return new Date(now - parseDuration(text));
  const date = new Date(text);
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text))
    throw new Error(`\`${text}\` is neither a duration (24h, 7d) nor an ISO time (2026-11-01T00:00:00Z).`);
  return date;
}

/** One audit row as a JSON line: every column, times in ISO 8601 UTC. */
export function toJsonLine(row: AuditRow): string {
  const { id, at, ...rest } = row;
  return JSON.stringify({ id: Number(id), at: at.toISOString(), ...rest });
}

/** `carbon audit export`: for other tools (a SIEM, a spreadsheet, jq). Reads only. */
export async function runAuditExport(
  config: Config,
  log: Logger,
  args: string[],
  stdout: Writable = process.stdout,
): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'export') {
    console.error(AUDIT_USAGE);
    return EXIT.usage;
  }
  let filter: AuditFilter;
  let out: string | undefined;
  try {
    const { values } = parseArgs({
      args: rest,
      options: {
        since: { type: 'string' },
        until: { type: 'string' },
        user: { type: 'string' },
        action: { type: 'string' },
        format: { type: 'string', default: 'jsonl' },
        out: { type: 'string' },
      },
      strict: true,
    });
    if (values.since === undefined) throw new Error('--since is required.');
    if (values.format !== 'jsonl') throw new Error(`--format ${values.format}: only jsonl is supported.`);
    filter = {
      since: parseTime(values.since),
      ...(values.until !== undefined ? { until: parseTime(values.until) } : {}),
      ...(values.user !== undefined ? { user: values.user.toUpperCase() } : {}),
      ...(values.action !== undefined ? { action: values.action.toLowerCase() } : {}),
    };
    out = values.out;
  } catch (error) {
    console.error(`${isUserError(error) || error instanceof Error ? error.message : String(error)}\n${AUDIT_USAGE}`);
    return EXIT.usage;
  }

  const closer = new Closer();
  try {
    const store = await openStore(config, log, closer);
    const target: Writable = out === undefined ? stdout : createWriteStream(out);
    let count = 0;
    for await (const row of store.value.audit.stream(filter)) {
      if (!target.write(`${toJsonLine(row)}\n`)) await once(target, 'drain');
      count++;
    }
    if (out !== undefined) {
      target.end();
      await once(target, 'finish');
    }
    console.error(
      `carbon audit export: ${count} entr${count === 1 ? 'y' : 'ies'} since ` +
        `${filter.since.toISOString()}${out ? ` → ${out}` : ''}`,
    );
    return EXIT.ok;
  } finally {
    await closer.closeAll();
  }
}
