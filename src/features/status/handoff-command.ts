import type { PeriodStart, HandoffCommand } from '../../contracts/commands.js';
import { UsageError } from '../../errors.js';
import { MAX_SINCE_MS, parseDuration } from '../../commands/duration.js';
import { shown, stringOption, type CommandSpec } from '../../commands/spec.js';

export const HANDOFF_DEFAULT_SINCE = '24h';

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?)?$/;

const periodHelp =
  'give a duration like 24h, 7d or 2w, or a date like 2025-10-24 or 2025-10-24T09:00 (read in the status ' +
  'time zone unless it ends in Z or +HH:MM)';

/** `24h`, `7d` → ago; `2025-10-24`, `2025-10-24T09:00`, `2025-10-24T09:00:00Z`, `…+02:00` → date. Pure. */
export function parsePeriodStart(text: string): PeriodStart {
  const trimmed = text.trim();
  if (/^\d+[smhdw]$/i.test(trimmed)) {
    try {
      return { kind: 'ago', ms: parseDuration(trimmed), text: trimmed.toLowerCase() };
    } catch {
      throw new UsageError(
        `\`${shown(text)}\` is too long a period: at most ${MAX_SINCE_MS / 86_400_000} days; ${periodHelp}.`,
      );
    }
  }
  const match = DATE.exec(trimmed);
  if (match === null) throw new UsageError(`\`${shown(text)}\` is not a period start: ${periodHelp}.`);
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(match[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (
    year < 2000 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new UsageError(`\`${shown(text)}\` is not a real date and time: ${periodHelp}.`);
  }
  const zone = match[7];
  let offsetMinutes: number | undefined;
  if (zone === 'Z') offsetMinutes = 0;
  else if (zone !== undefined) {
    const [h, m] = zone.slice(1).split(':').map(Number) as [number, number];
    if (h > 14 || m > 59) throw new UsageError(`\`${shown(text)}\` has no such UTC offset: ${periodHelp}.`);
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (h * 60 + m);
  }
  return {
    kind: 'date',
    year,
    month,
    day,
    hour,
    minute,
    second,
    ...(offsetMinutes !== undefined ? { offsetMinutes } : {}),
    // One word (2025-10-24T09:00, not 2025-10-24 09:00), so the audit line `handoff --since …` reads back the same.
    text: trimmed.replace(' ', 'T'),
  };
}

export const handoff: CommandSpec<HandoffCommand> = {
  route: () => ({ job: 'handoff-report' }),
  name: 'handoff',
  summary:
    'The executive summary of a period, computed: key metrics start → end, deliverables, actions, ' +
    'benchmarks, risks, next steps; posted and uploaded as Markdown.',
  usage: 'handoff [--since 24h | DATE]',
  examples: ['handoff', 'handoff --since 7d', 'handoff --since 2025-10-24', 'handoff --since 2025-10-24T09:00Z'],
  options: { since: { type: 'string' } },
  words: ['DATE?'],
  build(args) {
    const option = stringOption(args, 'since');
    const [word] = args.positionals;
    if (word !== undefined && option !== undefined) {
      throw new UsageError(
        `Unexpected \`${shown(word)}\`: the period starts at --since. Usage: \`/carbon ${this.usage}\``,
      );
    }
    return { name: 'handoff', since: parsePeriodStart(option ?? args.positionals[0] ?? HANDOFF_DEFAULT_SINCE) };
  },
  describe(command) {
    return { line: `handoff --since ${command.since.text}` };
  },
};
