import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { COMMANDS } from '../../src/app/commands.js';
import { describeCommand, type CommandSpec } from '../../src/commands/spec.js';
import { CommandTable } from '../../src/commands/table.js';
import type { Command } from '../../src/contracts/commands.js';
import { UsageError } from '../../src/errors.js';
import { usageErrorOf, usageOf } from '../support/usage.js';

/**
 * The grammar every command shares (src/commands/grammar.ts), checked over the whole command table: whatever a
 * spec declares, a single-valued option given twice and a word the command does not take are refused by name.
 */
const SPECS = COMMANDS.specs as readonly CommandSpec[];

/** A word that is no option, no number parseArgs could mistake for one, and has no comma (the conversational form). */
const plainWord = fc.stringMatching(/^[a-z0-9][a-z0-9./]{0,10}$/);
/** A value for any string option. */
const optionValue = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,10}$/);

/** The words of `spec`'s grammar: its own, or those of one of its actions, with the action's word in front. */
function grammarOf(spec: CommandSpec, action?: string): { prefix: string[]; words: readonly string[] } {
  if (spec.actions === undefined) return { prefix: [], words: spec.words ?? [] };
  return { prefix: [action!], words: spec.actions[action!]?.words ?? [] };
}

/** Every (spec, action) pair of the table: a spec without actions once. */
const GRAMMARS: { spec: CommandSpec; action?: string }[] = SPECS.flatMap((spec) =>
  spec.actions === undefined ? [{ spec }] : Object.keys(spec.actions).map((action) => ({ spec, action })),
);

/** Every single-valued option of every spec, with its short spelling if it has one. */
const SINGLE_OPTIONS = SPECS.flatMap((spec) =>
  Object.entries(spec.options ?? {})
    .filter(([, option]) => option.multiple !== true)
    .map(([name, option]) => ({ spec, name, type: option.type, short: option.short })),
);

/** Values that the table's commands take, so that random sequences often parse. */
const WORDS = [
  'trino',
  'deployment/superset',
  'sts/kafka',
  'configmap/app-env',
  'k7m2p9xq',
  '4',
  'kafka',
  '7d',
  '5b0d3c1e9f2a4b6c8d0e1f2a3b4c5d6e',
];
const VALUES: Record<string, string[]> = {
  namespace: ['data-platform', 'kafka'],
  for: ['1h', '4h', '90m'],
  reason: ['stuck on queued queries', "it's wedged"],
  keys: ['DB_PASSWORD,API_TOKEN', 'B,A,B'],
  mount: ['secret', 'kv/platform'],
  path: ['team/app'],
  task: ['pod-disruption-budgets'],
  since: ['7d', '2025-10-24', '2025-10-24T09:00Z', '2025-10-24 09:00'],
  records: ['50000', '1,000'],
  'record-size': ['512'],
  throughput: ['-1', '5000'],
  acks: ['all', '1', '0'],
  partitions: ['6'],
  limit: ['5'],
};

describe('the findings of issue 11', () => {
  it('refuses a repeated option instead of keeping the last', () => {
    expect(usageOf('health --namespace a --namespace b')).toMatch(/`--namespace` is given more than once/);
    expect(usageOf('restart trino -n data-platform -n kube-system --reason "stuck on queries"')).toMatch(
      /`--namespace` is given more than once; give it once/,
    );
    expect(usageOf('restart trino -n data-platform --namespace kube-system --reason why')).toMatch(
      /`--namespace` is given more than once \(as `-n` and `--namespace`\)/,
    );
  });

  it('refuses words a command does not take', () => {
    expect(usageOf('help help help help')).toMatch(/^Unexpected `help`: `help` takes \[COMMAND\] and nothing more/);
    expect(COMMANDS.parse('help help')).toEqual({ name: 'help', topic: 'help' });
    expect(usageOf('status now')).toMatch(/^Unexpected `now`: `status` takes no other words/);
    expect(usageOf('bench history kafka now')).toMatch(/^Unexpected `now`: `bench history` takes kafka/);
  });

  it('refuses an option that belongs to another action of the family', () => {
    expect(usageOf('bench kafka --limit 5')).toMatch(/`--limit` does not go with `bench kafka`/);
    expect(usageOf('bench history kafka --records 5')).toMatch(/`--records` does not go with `bench history`/);
    expect(usageOf('vault rollback k7m2p9xq -n data-platform')).toMatch(/`--namespace` does not go with/);
  });

  it('says when a flag is given a value', () => {
    expect(usageOf('phase apply 4 --force=yes')).toMatch(/Option `--force` takes no value/);
  });
});

describe('every command of the table', () => {
  it('is checked when the table is built: an action may only name options of its spec', () => {
    const spec = { ...SPECS[0]!, options: { a: { type: 'string' } }, actions: { go: { options: ['b'] } } } as const;
    expect(() => new CommandTable([spec as unknown as CommandSpec])).toThrow(/option b is not among its options/);
    expect(
      () => new CommandTable([{ ...spec, actions: { go: { options: ['a'] } } } as unknown as CommandSpec]),
    ).not.toThrow();
    expect(SINGLE_OPTIONS.length).toBeGreaterThan(10);
  });

  it('refuses any single-valued option given twice, naming it (property)', () => {
    const spelling = (short: string | undefined) =>
      short === undefined ? fc.constant('long') : fc.constantFrom('long', 'short');
    fc.assert(
      fc.property(
        fc.constantFrom(...SINGLE_OPTIONS).chain((option) =>
          fc.record({
            option: fc.constant(option),
            first: spelling(option.short),
            second: spelling(option.short),
            values: fc.tuple(optionValue, optionValue),
            before: fc.array(plainWord, { maxLength: 2 }),
            between: fc.array(plainWord, { maxLength: 2 }),
          }),
        ),
        ({ option, first, second, values, before, between }) => {
          const given = (how: string, value: string) => [
            how === 'short' ? `-${option.short}` : `--${option.name}`,
            ...(option.type === 'string' ? [value] : []),
          ];
          const words = [
            option.spec.name,
            ...before,
            ...given(first, values[0]),
            ...between,
            ...given(second, values[1]),
          ];
          const message = usageErrorOf(() => COMMANDS.parseWords(words), words.join(' '));
          expect(message).toContain(`\`--${option.name}\` is given more than once`);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('refuses a word beyond the ones a command (or an action) takes, naming it (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...GRAMMARS).chain(({ spec, action }) => {
          const { prefix, words } = grammarOf(spec, action);
          return fc.record({
            spec: fc.constant(spec),
            prefix: fc.constant(prefix),
            taken: fc.array(plainWord, { minLength: words.length, maxLength: words.length }),
            extra: fc.array(plainWord, { minLength: 1, maxLength: 3 }),
          });
        }),
        ({ spec, prefix, taken, extra }) => {
          const words = [spec.name, ...prefix, ...taken, ...extra];
          const message = usageErrorOf(() => COMMANDS.parseWords(words), words.join(' '));
          expect(message).toContain(`Unexpected \`${extra[0]}\``);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('on any sequence of words, throws nothing but a UsageError, and never takes an option twice (property)', () => {
    const singleFlags = new Map(
      SINGLE_OPTIONS.flatMap(({ name, short }) => [
        [`--${name}`, name],
        ...(short ? [[`-${short}`, name] as const] : []),
      ]),
    );
    /** Words shaped like `spec`'s grammar, mixed with odd ones: many parse, many nearly do. */
    const wordsFor = (spec: CommandSpec) => {
      const options = Object.entries(spec.options ?? {}).map(([name, option]) =>
        fc.tuple(
          fc.constantFrom(`--${name}`, ...(option.short ? [`-${option.short}`] : [])),
          option.type === 'string' ? fc.constantFrom(...(VALUES[name] ?? ['x']), '') : fc.constant(undefined),
        ),
      );
      const element = fc.oneof(
        ...options.map((option) => option.map(([flag, value]) => (value === undefined ? [flag] : [flag, value]))),
        fc
          .constantFrom(...WORDS, ...Object.keys(spec.actions ?? {}), '--', '-1', '-', '--x=', '', 'a,b')
          .map((w) => [w]),
        fc.string().map((w) => [w]),
      );
      return fc.array(element, { maxLength: 6 }).map((parts) => [spec.name, ...parts.flat()]);
    };
    const words = fc.oneof(
      fc.constantFrom(...SPECS).chain(wordsFor),
      fc.array(fc.oneof(fc.constantFrom(...SPECS.map((spec) => spec.name), ...singleFlags.keys()), fc.string())),
    );
    let parsed = 0;
    fc.assert(
      fc.property(words, (words) => {
        let command: Command;
        try {
          command = COMMANDS.parseWords(words);
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
          return;
        }
        parsed++;
        expect(SPECS.map((spec) => spec.name)).toContain(command.name);
        const flags = words.slice(1, words.includes('--') ? words.indexOf('--') : undefined);
        const named = flags.flatMap((word) => singleFlags.get(word.split('=')[0]!) ?? []);
        expect(new Set(named).size).toBe(named.length);
      }),
      { numRuns: 3000 },
    );
    expect(parsed).toBeGreaterThan(100);
  });
});

describe('the audit line of a command', () => {
  const quoted = (text: string) => (text.includes('"') ? `'${text}'` : `"${text}"`);

  /** A spec's command line, random but shaped like its grammar: its action, its words, some of its options. */
  const lineOf = (spec: CommandSpec) =>
    fc
      .constantFrom(...(spec.actions ? Object.keys(spec.actions) : [undefined]))
      .chain((action) => {
        const { prefix, words } = grammarOf(spec, action);
        const allowed = action === undefined ? Object.keys(spec.options ?? {}) : (spec.actions![action]!.options ?? []);
        const options = allowed.map((name) => {
          const values = VALUES[name];
          const given =
            values === undefined
              ? fc.constant<string[]>([`--${name}`])
              : fc.constantFrom(...values).map((v) => [`--${name}`, v]);
          return fc.option(given, { nil: undefined });
        });
        return fc.tuple(
          fc.constant([spec.name, ...prefix]),
          fc.array(fc.constantFrom(...WORDS), {
            minLength: words.filter((word) => !word.endsWith('?')).length,
            maxLength: words.length,
          }),
          fc.tuple(...options),
        );
      })
      .map(([head, words, options]) => [...head, ...words, ...options.flatMap((o) => o ?? [])]);

  it.each(SPECS.filter((spec) => spec.describe !== undefined).map((spec) => [spec.name, spec] as const))(
    '%s: parsed again, the line (with the reason) gives the same command (property)',
    (_name, spec) => {
      let parsed = 0;
      fc.assert(
        fc.property(lineOf(spec), (words) => {
          let command: Command;
          try {
            command = COMMANDS.parseWords(words);
          } catch {
            return; // not every random line is a valid command
          }
          parsed++;
          const { line, reason } = describeCommand(spec, command);
          const again = `${line}${reason === undefined ? '' : ` --reason ${quoted(reason)}`}`;
          expect(COMMANDS.parse(again)).toEqual(command);
        }),
        { numRuns: 400 },
      );
      expect(parsed).toBeGreaterThan(0);
    },
  );
});
