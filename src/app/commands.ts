import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { approve, deny, type ApproveCommand, type DenyCommand } from '../commands/approve.js';
import { audit, type AuditCommand } from '../commands/audit.js';
import { bench, type BenchCommand } from '../features/bench/command.js';
import { health, type HealthCommand } from '../features/health/command.js';
import { handoff, type HandoffCommand } from '../features/status/handoff-command.js';
import { help, type HelpCommand } from '../commands/help.js';
import { phase, type PhaseCommand } from '../features/phases/command.js';
import { restart, type RestartCommand } from '../features/restart/command.js';
import { vault, type VaultCommand } from '../features/vault/command.js';
import { schedule, status, type ScheduleCommand, type StatusCommand } from '../features/status/command.js';
import { shown, type CommandRules, type CommandSpec, type CommandSummary } from '../commands/spec.js';
import { tokenize } from '../commands/tokenize.js';

export type Command =
  | HelpCommand
  | HealthCommand
  | RestartCommand
  | ApproveCommand
  | DenyCommand
  | AuditCommand
  | BenchCommand
  | VaultCommand
  | PhaseCommand
  | StatusCommand
  | ScheduleCommand
  | HandoffCommand;

/** Every command, in the order help lists them. */
export const COMMANDS: readonly CommandSpec<Command>[] = [
  health,
  restart,
  approve,
  deny,
  audit,
  bench,
  vault,
  phase,
  status,
  schedule,
  handoff,
  help,
] as CommandSpec<Command>[];

/** Slack caps slash-command text at about 4,000 characters; nothing legitimate comes close to this. */
export const MAX_COMMAND_LENGTH = 1000;

export function findSpec(name: string): CommandSpec<Command> | undefined {
  return COMMANDS.find((spec) => spec.name === name);
}

/**
 * Text after `/carbon` → a typed command, or a UsageError whose message tells the user what to type.
 * Pure and total: for any string it returns a command or throws a UsageError, nothing else.
 */
export function parse(text: string): Command {
  if (text.length > MAX_COMMAND_LENGTH) {
    throw new UsageError(
      `That command is ${text.length} characters long; the limit is ${MAX_COMMAND_LENGTH}. Try \`/carbon help\`.`,
    );
  }
  return parseWords(tokenize(text));
}

/** Already split words → a typed command, or a UsageError (the mention form splits its own words). */
export function parseWords(words: readonly string[]): Command {
  const [verb, ...rest] = words;
  if (verb === undefined) return { name: 'help' };
  const spec = findSpec(verb.toLowerCase());
  if (spec === undefined) {
    throw new UsageError(`Unknown command \`${shown(verb)}\`. Commands: ${commandList(100)}. Try \`/carbon help\`.`);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: negativeValuesJoined(rest),
      options: spec.options ?? {},
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${argumentProblem(error)} Usage: \`/carbon ${spec.usage}\``);
  }
  return spec.build(parsed);
}

/** The command names, as many as fit in `max` characters (the message quoting a hostile word stays short). */
function commandList(max: number): string {
  let list = '';
  for (const spec of COMMANDS) {
    const next = `${list === '' ? '' : ', '}\`${spec.name}\``;
    if (list.length + next.length > max) return `${list}, …`;
    list += next;
  }
  return list;
}

/** The spec's checks against the rules (the catalogue), before anything is queued; throws a UsageError. */
export function checkCommand(command: Command, rules: CommandRules): void {
  findSpec(command.name)?.check?.(command, rules);
}

/** The policy rule the command is authorized by (`phase apply` for an apply, otherwise the command's name). */
export function policyNameOf(command: Command): string {
  return findSpec(command.name)?.policy?.(command) ?? command.name;
}

/** The command as the audit trail records it: a canonical line built from the parsed command, never the raw text. */
export function describeCommand(command: Command): CommandSummary {
  return findSpec(command.name)?.describe?.(command) ?? { line: command.name };
}

/** parseArgs reads `-1` as an option; after an option a negative number is its value (`--throughput -1`). */
function negativeValuesJoined(words: readonly string[]): string[] {
  const joined: string[] = [];
  for (const word of words) {
    const previous = joined.at(-1);
    if (/^-\d/.test(word) && previous !== undefined && /^--[a-z][a-z-]*$/.test(previous))
      joined[joined.length - 1] = `${previous}=${word}`;
    else joined.push(word);
  }
  return joined;
}

/** parseArgs' messages mention `--help`-style CLI details; restate them in our words, with the culprit. */
function argumentProblem(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-{1,2}[^' ]*)/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `Unknown option \`${shown(option ?? '?')}\`.`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `Option \`${shown(option ?? '?')}\` needs a value.`;
    default:
      return 'Those arguments do not fit.';
  }
}

/** The help text, generated from the specs. */
export function helpText(topic?: string): string {
  if (topic !== undefined) {
    const spec = findSpec(topic);
    if (spec === undefined) throw new UsageError(`No command \`${shown(topic)}\`. Try \`/carbon help\`.`);
    return [
      `*/carbon ${spec.usage}*`,
      spec.summary,
      'Examples:',
      ...spec.examples.map((e) => `• \`/carbon ${e}\``),
    ].join('\n');
  }
  return [
    '*carbon-ops commands*',
    ...COMMANDS.map((c) => `• \`/carbon ${c.usage}\`: ${c.summary}`),
    'More: `/carbon help COMMAND`',
  ].join('\n');
}
