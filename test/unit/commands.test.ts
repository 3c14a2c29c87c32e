import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { COMMANDS } from '../../src/app/commands.js';
import { MAX_COMMAND_LENGTH } from '../../src/commands/table.js';
import { tokenize } from '../../src/commands/tokenize.js';
import { UsageError } from '../../src/errors.js';
import { usageOf } from '../support/usage.js';

describe('parse', () => {
  it('reads health with and without a namespace', () => {
    expect(COMMANDS.parse('health')).toEqual({ name: 'health' });
    expect(COMMANDS.parse('  HEALTH   --namespace data-platform ')).toEqual({
      name: 'health',
      namespace: 'data-platform',
    });
    expect(COMMANDS.parse('health -n kafka')).toEqual({ name: 'health', namespace: 'kafka' });
  });

  it('treats empty text as help', () => {
    expect(COMMANDS.parse('')).toEqual({ name: 'help' });
    expect(COMMANDS.parse('help health')).toEqual({ name: 'help', topic: 'health' });
  });

  it('refuses unknown commands and options with the usage', () => {
    expect(usageOf('restat trino')).toMatch(/Unknown command `restat`.*`health`/);
    expect(usageOf('health --namspace x')).toMatch(
      /Unknown option `--namspace`.*Usage: `\/carbon health \[--namespace NS\]`/,
    );
    expect(usageOf('health --namespace')).toMatch(/needs a value/);
    expect(usageOf('health kafka')).toMatch(/Unexpected `kafka`/);
  });

  it('refuses namespaces that are not Kubernetes names before any call', () => {
    for (const hostile of ['Data_Platform', '$(rm -rf /)', 'a;b', '../etc', 'x'.repeat(64), 'ns\nx', '名前']) {
      expect(usageOf(`health --namespace ${JSON.stringify(hostile)}`)).toMatch(/not a valid Kubernetes name/);
    }
  });

  it('refuses over-long text and unmatched quotes', () => {
    expect(usageOf('health '.repeat(2000))).toMatch(`limit is ${MAX_COMMAND_LENGTH}`);
    expect(usageOf('health --namespace "kafka')).toMatch(/Unmatched quote/);
  });

  it('quotes back hostile text on one line, shortened', () => {
    const message = usageOf(`${'<!channel>'.repeat(10)}\nmore`);
    expect(message).not.toContain('\n');
    expect(message.length).toBeLessThan(200);
  });

  it('never throws anything but a UsageError, for any input (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'grapheme' }),
          fc.string({
            unit: fc.constantFrom(
              'health',
              'help',
              ' ',
              '-',
              '-n',
              '"',
              "'",
              '“',
              '$(',
              ';',
              '\n',
              'kafka',
              '--namespace',
              '--',
              '=',
            ),
          }),
          fc.string({
            unit: fc.constantFrom(
              'restart',
              'approve',
              'deny',
              'audit',
              ' ',
              'trino',
              ',',
              'deployment/',
              'sts/',
              'x',
              '-n',
              '--reason',
              '--since',
              '24h',
              '--user',
              'U0A',
              '"',
              '\u0000',
              'k7m2p9xq',
            ),
          }),
          fc.string({
            unit: fc.constantFrom(
              'vault',
              'status',
              'migrate',
              'rollback',
              ' ',
              'configmap/',
              'x',
              '-n',
              '--keys',
              '--mount',
              '--path',
              '--cutover',
              '..',
              '/',
              ',',
              'sys',
              'k7m2p9xq',
            ),
          }),
        ),
        (text) => {
          try {
            const command = COMMANDS.parse(text);
            expect(COMMANDS.specs.map((c) => c.name)).toContain(command.name);
          } catch (error) {
            expect(error).toBeInstanceOf(UsageError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('tokenize', () => {
  it('honours straight and curly quotes without any expansion', () => {
    expect(tokenize(`restart trino --reason "it is stuck; $(whoami)"`)).toEqual([
      'restart',
      'trino',
      '--reason',
      'it is stuck; $(whoami)',
    ]);
    expect(tokenize('a “b c” ‘d e’')).toEqual(['a', 'b c', 'd e']);
    expect(tokenize('a "" b')).toEqual(['a', '', 'b']);
  });
});

describe('help', () => {
  it('lists every command and explains one', () => {
    expect(COMMANDS.help()).toContain('/carbon health [--namespace NS]');
    expect(COMMANDS.help('health')).toContain('/carbon health --namespace data-platform');
    expect(() => COMMANDS.help('nope')).toThrow(UsageError);
  });
});
