import type { Command } from '../contracts/commands.js';
import { UsageError } from '../errors.js';
import { checkDeclaration, parseGrammar } from './grammar.js';
import { conversationalWords, mentionBody } from './mention.js';
import {
  describeCommand,
  shown,
  type CommandRules,
  type CommandSpec,
  type CommandSummary,
  type Route,
} from './spec.js';
import { tokenize } from './tokenize.js';

/** Slack caps slash-command text at about 4,000 characters; nothing legitimate comes close to this. */
export const MAX_COMMAND_LENGTH = 1000;

/**
 * The one command table: parse, help, the policy name, the audit line and the route of every command come
 * from its specs (the Botkube verbs-table idea). `A` is what an inline answer is (the handlers' Answer).
 */
export class CommandTable<A = never> {
  constructor(readonly specs: readonly CommandSpec<Command, A>[]) {
    for (const spec of specs) checkDeclaration(spec as CommandSpec);
  }

  /**
   * Text after `/carbon` → a typed command, or a UsageError whose message tells the user what to type.
   * Pure and total: for any string it returns a command or throws a UsageError, nothing else. `rules`, when
   * given, only make the messages more helpful (the configured names an option takes).
   */
  parse(text: string, rules?: CommandRules): Command {
    if (text.length > MAX_COMMAND_LENGTH) {
      throw new UsageError(
        `That command is ${text.length} characters long; the limit is ${MAX_COMMAND_LENGTH}. Try \`/carbon help\`.`,
      );
    }
    return this.parseWords(conversationalWords(text) ?? tokenize(text), rules);
  }

  /** The text of an @-mention: the bot's mention first (see mention.ts), then as typed after `/carbon`. */
  parseMention(text: string, rules?: CommandRules): Command {
    if (text.length > MAX_COMMAND_LENGTH) return this.parse(text); // the same length refusal
    return this.parse(mentionBody(text), rules);
  }

  /** Already split words → a typed command, or a UsageError. */
  parseWords(words: readonly string[], rules?: CommandRules): Command {
    const [verb, ...rest] = words;
    if (verb === undefined) return { name: 'help' };
    const spec = this.find(verb.toLowerCase());
    if (spec === undefined) {
      throw new UsageError(`Unknown command \`${shown(verb)}\`. Commands: ${this.names(100)}. Try \`/carbon help\`.`);
    }
    return spec.build(parseGrammar(spec as CommandSpec, rest, rules));
  }

  /** The spec's checks against the rules (the catalogue), before anything is queued; throws a UsageError. */
  check(command: Command, rules: CommandRules): void {
    this.specOf(command).check?.(command, rules);
  }

  /** The policy rule the command is authorized by (`phase apply` for an apply, otherwise the command's name). */
  policyName(command: Command): string {
    return this.specOf(command).policy?.(command) ?? command.name;
  }

  /** The command as the audit trail records it: a canonical line built from the parsed command, never the raw text. */
  describe(command: Command): CommandSummary {
    return describeCommand(this.specOf(command), command);
  }

  /** Where the command goes: the job that runs it, or the answer the handler gives at once. */
  route(command: Command): Route<Command, A> {
    return this.specOf(command).route(command);
  }

  /** The help text, generated from the specs. */
  help(topic?: string): string {
    if (topic !== undefined) {
      const spec = this.find(topic);
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
      ...this.specs.map((c) => `• \`/carbon ${c.usage}\`: ${c.summary}`),
      'More: `/carbon help COMMAND`',
    ].join('\n');
  }

  private find(name: string): CommandSpec<Command, A> | undefined {
    return this.specs.find((spec) => spec.name === name);
  }

  private specOf(command: Command): CommandSpec<Command, A> {
    const spec = this.find(command.name);
    if (spec === undefined) throw new Error(`No spec for the command ${command.name} in this table`);
    return spec;
  }

  /** The command names, as many as fit in `max` characters (the message quoting a hostile word stays short). */
  private names(max: number): string {
    let list = '';
    for (const spec of this.specs) {
      const next = `${list === '' ? '' : ', '}\`${spec.name}\``;
      if (list.length + next.length > max) return `${list}, …`;
      list += next;
    }
    return list;
  }
}
