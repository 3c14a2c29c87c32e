import type { ParseArgsConfig } from 'node:util';
import type { Catalogue } from '../catalogue.js';
import type { Command } from '../contracts/commands.js';
import type { JobFor } from '../contracts/jobs.js';
import { UsageError } from '../errors.js';

/**
 * One command family: its grammar, help, policy rule, audit line and route. The command table
 * (table.ts) reads nothing else, so a command exists in exactly one place (the Botkube executor idea).
 * `A` is an inline answer: only the handlers' own commands (help, approve, deny, audit) have one; a
 * capability's command always routes to a job.
 */
export interface CommandSpec<C extends Command = Command, A = never> {
  name: C['name'];
  summary: string;
  /** After `/carbon `, e.g. `health [--namespace NS]`. */
  usage: string;
  examples: string[];
  /** Its options; one given twice is a usage error unless it declares `multiple: true`. */
  options?: ParseArgsConfig['options'];
  /**
   * The words after the name, as the usage names them (`['REQUEST_ID']`, `['COMMAND?']`): the table refuses a
   * word beyond them before `build` runs. Whether one is missing or well formed is `build`'s business.
   */
  words?: readonly string[];
  /** Added to the refusal of a word beyond `words`, e.g. how to quote a reason. */
  wordsHint?: string;
  /**
   * A family of actions (`vault status`, `vault migrate …`): the first word names one, and only that action's
   * words and options are taken (the table checks, before `build`).
   */
  actions?: Readonly<Record<string, ActionGrammar>>;
  /** Said about an option the command does not know: one that was replaced (`--brokers` → `--cluster`). */
  unknownOption?(option: string, rules?: CommandRules): string | undefined;
  build(args: ParsedArgs): C;
  /**
   * Checks against the deployment's rules (e.g. a service name against the catalogue), still before any
   * call to the cluster; throws a UsageError. Pure given the rules.
   */
  check?(command: C, rules: CommandRules): void;
  /** How the command reads in the audit trail: a canonical line (never the raw text), its target and reason. */
  describe?(command: C): CommandSummary;
  /**
   * The policy rule that authorizes the command; default its name. A family whose actions differ in risk
   * names its own rules (`phase` reads, `phase apply` writes), and a missing rule refuses, as always.
   */
  policy?(command: C): string;
  /** Where the command goes, decided once: the job that runs it (carried in the job data), or an answer. */
  route(command: C): Route<C, A>;
}

/** The command as the audit trail records it: a canonical line built from the parsed command, never the raw text. */
export function describeCommand<C extends Command>(spec: Pick<CommandSpec<C>, 'describe'>, command: C): CommandSummary {
  return spec.describe?.(command) ?? { line: command.name };
}

/** One action of a family: the words after the action's own word, the options it takes (of the spec's), its usage. */
export interface ActionGrammar {
  words?: readonly string[];
  options?: readonly string[];
  /** Defaults to the spec's usage. */
  usage?: string;
}

export type Route<C, A = never> = { job: JobFor<C> } | { answer: A };

/** The static rules a command is checked against before it is queued. */
export interface CommandRules {
  catalogue: Catalogue;
  /** The names of the Kafka clusters a benchmark may target (config.ts: `default` and KAFKA_CLUSTERS). */
  kafkaClusters: readonly string[];
}

export interface CommandSummary {
  line: string;
  target?: string;
  reason?: string;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kubernetes namespace and most object names: an RFC 1123 label, checked before any call to the cluster. */
export function dnsLabel(value: string, what: string): string {
  if (value.length > 63 || !DNS_LABEL.test(value)) {
    throw new UsageError(
      `${what} \`${shown(value)}\` is not a valid Kubernetes name (lowercase letters, digits and '-', at most 63).`,
    );
  }
  return value;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Deployment and StatefulSet names: an RFC 1123 subdomain (labels joined by dots, at most 253). */
export function dnsSubdomain(value: string, what: string): string {
  if (value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    throw new UsageError(
      `${what} \`${shown(value)}\` is not a valid Kubernetes name (lowercase letters, digits, '-' and '.').`,
    );
  }
  return value;
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A user's text quoted back to them: short, one line. Escaping for Slack happens in the renderer. */
export function shown(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not be echoed
  const line = value.replace(/[\u0000-\u001f\u007f`]/g, ' ');
  return line.length > 40 ? `${line.slice(0, 40)}…` : line;
}
