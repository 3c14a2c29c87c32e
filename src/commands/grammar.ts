import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { shown, type ActionGrammar, type CommandRules, type CommandSpec, type ParsedArgs } from './spec.js';

/**
 * What every command's words must fit, checked the same way for all of them before a spec builds its command:
 * known options, each single-valued one given once, only the options of the action named, and no word beyond
 * the ones the command (or action) takes. A spec declares its grammar (spec.ts); it never checks these itself.
 */
export function parseGrammar(spec: CommandSpec, words: readonly string[], rules?: CommandRules): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: negativeValuesJoined(words),
      options: spec.options ?? {},
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    throw new UsageError(`${argumentProblem(spec, error, rules)} Usage: \`/carbon ${spec.usage}\``);
  }
  const { values, positionals, tokens } = parsed;
  onlyOnce(spec, tokens);
  const [action, name, rest] = actionOf(spec, positionals);
  const usage = action?.usage ?? spec.usage;
  const taken = action?.words ?? spec.words ?? [];
  const extra = rest[taken.length];
  if (extra !== undefined) {
    const hint = action === undefined && spec.wordsHint !== undefined ? ` ${spec.wordsHint}` : '';
    throw new UsageError(
      `Unexpected \`${shown(extra)}\`: \`${name}\` takes ${wordList(taken)}.${hint} Usage: \`/carbon ${usage}\``,
    );
  }
  const stray = action && Object.keys(values).find((option) => !(action.options ?? []).includes(option));
  if (stray !== undefined)
    throw new UsageError(`\`--${stray}\` does not go with \`${name}\`. Usage: \`/carbon ${usage}\``);
  return { values, positionals };
}

/** A declaration that cannot work is a bug: found when the table is built, not when someone types the command. */
export function checkDeclaration(spec: CommandSpec): void {
  if (spec.actions !== undefined && spec.words !== undefined)
    throw new Error(`${spec.name}: a family of actions declares words per action, not for the whole command`);
  for (const [action, grammar] of Object.entries(spec.actions ?? {})) {
    const unknown = (grammar.options ?? []).find((option) => spec.options?.[option] === undefined);
    if (unknown !== undefined) throw new Error(`${spec.name} ${action}: option ${unknown} is not among its options`);
  }
}

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

/** A single-valued option given twice would silently keep the last (`-n data-platform -n kube-system`). */
function onlyOnce(spec: CommandSpec, tokens: readonly Token[]): void {
  const seen = new Map<string, string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || spec.options?.[token.name]?.multiple === true) continue;
    const first = seen.get(token.name);
    if (first !== undefined) {
      const spellings = first === token.rawName ? '' : ` (as \`${first}\` and \`${token.rawName}\`)`;
      throw new UsageError(
        `\`--${token.name}\` is given more than once${spellings}; give it once. Usage: \`/carbon ${spec.usage}\``,
      );
    }
    seen.set(token.name, token.rawName);
  }
}

/** The action the first word names (and the words after it), or the whole command's words when it has no actions. */
function actionOf(
  spec: CommandSpec,
  positionals: readonly string[],
): [ActionGrammar | undefined, string, readonly string[]] {
  if (spec.actions === undefined) return [undefined, spec.name, positionals];
  const [word, ...rest] = positionals;
  const names = Object.keys(spec.actions);
  const choices = `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  if (word === undefined)
    throw new UsageError(`\`${spec.name}\` needs an action: ${choices}. Usage: \`/carbon ${spec.usage}\``);
  const key = word.toLowerCase();
  const action = Object.hasOwn(spec.actions, key) ? spec.actions[key] : undefined;
  if (action === undefined)
    throw new UsageError(
      `Unknown ${spec.name} action \`${shown(word)}\`: ${choices}. Usage: \`/carbon ${spec.usage}\``,
    );
  return [action, `${spec.name} ${key}`, rest];
}

/** `[]` → "no other words"; `['N?']` → "[N] and nothing more". */
function wordList(words: readonly string[]): string {
  if (words.length === 0) return 'no other words';
  return `${words.map((w) => (w.endsWith('?') ? `[${w.slice(0, -1)}]` : w)).join(' ')} and nothing more`;
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
function argumentProblem(spec: CommandSpec, error: unknown, rules: CommandRules | undefined): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = shown(/'(-{1,2}[^' ]*)/.exec(message)?.[1] ?? '?');
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const hint = spec.unknownOption?.(option, rules);
      return `Unknown option \`${option}\`.${hint === undefined ? '' : ` ${hint}`}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return message.includes('does not take')
        ? `Option \`${option}\` takes no value.`
        : `Option \`${option}\` needs a value.`;
    default:
      return 'Those arguments do not fit.';
  }
}
