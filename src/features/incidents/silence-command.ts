import type { SilenceCommand } from '../../contracts/commands.js';
import { parseDuration } from '../../commands/duration.js';
import { shown, stringOption, type CommandSpec } from '../../commands/spec.js';
import { UsageError } from '../../errors.js';

const USAGE = 'silence <ALERT_GROUP> --for 1h|4h';
/** Longer silences are set in Alertmanager itself: one from chat is for riding out an incident. */
export const SILENCE_MAX_MINUTES = 24 * 60;

/** An alert group's id as its message shows it (alert_groups.group_id). */
export const GROUP_ID = /^[0-9a-f]{32}$/;

/** `silence GROUP --for 1h`: what the Silence buttons ask; typed, the group id is in the message's footer. */
export const silence: CommandSpec<SilenceCommand> = {
  route: () => ({ job: 'incident-silence' }),
  name: 'silence',
  summary: 'Silence an alert group carbon-ops posted, in Alertmanager (the Silence 1h / 4h buttons do the same).',
  usage: USAGE,
  examples: ['silence 5b0d3c1e9f2a4b6c8d0e1f2a3b4c5d6e --for 1h'],
  options: { for: { type: 'string' } },
  words: ['<ALERT_GROUP>'],
  build(args) {
    const [group] = args.positionals;
    if (group === undefined || !GROUP_ID.test(group))
      throw new UsageError(
        `Which alert group? Give the id its message shows (32 hex digits)${group ? `, not \`${shown(group)}\`` : ''}. Usage: \`/carbon ${USAGE}\``,
      );
    const text = stringOption(args, 'for');
    if (text === undefined) throw new UsageError(`For how long? Usage: \`/carbon ${USAGE}\``);
    const minutes = Math.round(parseDuration(text) / 60_000);
    if (minutes < 5 || minutes > SILENCE_MAX_MINUTES)
      throw new UsageError(`\`--for ${shown(text)}\`: from 5m to 24h; longer silences are set in Alertmanager.`);
    return { name: 'silence', group, minutes };
  },
  describe(command) {
    return { line: `silence ${command.group} --for ${command.minutes}m`, target: `alert-group/${command.group}` };
  },
};
