import type { Acks, BenchCommand } from '../../contracts/commands.js';
import { UsageError } from '../../errors.js';
import { shown, stringOption, type CommandSpec, type ParsedArgs } from '../../commands/spec.js';

/** Defaults match the platform's recorded baseline: 1 KiB records, acks=all, as fast as it goes. */
export const BENCH_DEFAULTS = {
  records: 100_000,
  recordSize: 1024,
  throughput: -1,
  acks: -1 as Acks,
  partitions: 3,
} as const;
/** A benchmark is a load on a shared cluster: bounded so nobody floods it by a typo. */
export const BENCH_LIMITS = {
  records: 5_000_000,
  recordSize: 1_000_000,
  throughput: 1_000_000,
  partitions: 100,
  bytes: 4 * 2 ** 30,
} as const;

function integer(args: ParsedArgs, name: string, min: number, max: number, fallback: number): number {
  const text = stringOption(args, name);
  if (text === undefined) return fallback;
  const value = Number(text.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(
      `--${name} takes a whole number from ${min.toLocaleString('en-US')} to ` +
        `${max.toLocaleString('en-US')}; got \`${shown(text)}\`.`,
    );
  }
  return value;
}

/**
 * `--cluster NAME`, lowercased. Which names exist is the deployment's (the spec's check); here only what could
 * be one, or an address someone typed instead, so that a hostile value never reaches the audit line.
 */
function cluster(args: ParsedArgs): string | undefined {
  const name = stringOption(args, 'cluster');
  if (name === undefined) return undefined;
  if (!/^[A-Za-z0-9[][A-Za-z0-9._:[\]-]{0,99}$/.test(name))
    throw new UsageError(`\`${shown(name)}\` is not a Kafka cluster name. ${NAMED}.`);
  return name.toLowerCase();
}

/** How a Kafka target is chosen, said wherever someone tries another way. */
const NAMED = 'Kafka targets are named, not typed: use `--cluster NAME` with a configured cluster';

/** The configured cluster names, for a message: `` `default`, `prod` ``. */
const clusterNames = (names: readonly string[]): string => names.map((name) => `\`${name}\``).join(', ');

function acks(args: ParsedArgs): Acks {
  const text = stringOption(args, 'acks');
  switch (text?.toLowerCase()) {
    case undefined:
      return BENCH_DEFAULTS.acks;
    case 'all':
    case '-1':
      return -1;
    case '1':
      return 1;
    case '0':
      return 0;
    default:
      throw new UsageError(`--acks takes all, 1 or 0; got \`${shown(text ?? '')}\`.`);
  }
}

function throughput(args: ParsedArgs): number {
  if (stringOption(args, 'throughput')?.trim() === '-1') return -1;
  return integer(args, 'throughput', 1, BENCH_LIMITS.throughput, BENCH_DEFAULTS.throughput);
}

const USAGE = {
  kafka:
    'bench kafka [--records N] [--record-size B] [--throughput R|-1] [--acks all|1|0] [--partitions P] ' +
    '[--cluster NAME]',
  history: 'bench history kafka [--limit N]',
};

export const bench: CommandSpec<BenchCommand> = {
  route: (command) => ({ job: command.action === 'kafka' ? 'bench-kafka' : 'bench-history' }),
  name: 'bench',
  summary: "Kafka producer benchmark reported like Kafka's ProducerPerformance, stored and compared; or its history.",
  usage: `${USAGE.kafka} | ${USAGE.history}`,
  examples: [
    'bench kafka',
    'bench kafka --records 50000 --throughput 5000',
    'bench kafka --acks 1 --partitions 6',
    'bench kafka --cluster staging',
    'bench history kafka',
  ],
  options: {
    records: { type: 'string' },
    'record-size': { type: 'string' },
    throughput: { type: 'string' },
    acks: { type: 'string' },
    partitions: { type: 'string' },
    cluster: { type: 'string' },
    limit: { type: 'string' },
  },
  actions: {
    kafka: { options: ['records', 'record-size', 'throughput', 'acks', 'partitions', 'cluster'], usage: USAGE.kafka },
    history: { words: ['kafka'], options: ['limit'], usage: USAGE.history },
  },
  build(args) {
    const [action, target] = args.positionals.map((p) => p.toLowerCase());
    if (action === 'history') {
      if (target !== 'kafka') throw new UsageError(`Usage: \`/carbon ${USAGE.history}\``);
      return { name: 'bench', action: 'history', target: 'kafka', limit: integer(args, 'limit', 1, 50, 10) };
    }
    const name = cluster(args);
    const records = integer(args, 'records', 1, BENCH_LIMITS.records, BENCH_DEFAULTS.records);
    const recordSize = integer(args, 'record-size', 1, BENCH_LIMITS.recordSize, BENCH_DEFAULTS.recordSize);
    if (records * recordSize > BENCH_LIMITS.bytes) {
      throw new UsageError(
        `That is ${((records * recordSize) / 2 ** 30).toFixed(1)} GiB of records; ` +
          'a benchmark writes at most 4 GiB (--records × --record-size).',
      );
    }
    return {
      name: 'bench',
      action: 'kafka',
      params: {
        records,
        recordSize,
        throughput: throughput(args),
        acks: acks(args),
        partitions: integer(args, 'partitions', 1, BENCH_LIMITS.partitions, BENCH_DEFAULTS.partitions),
        ...(name !== undefined ? { cluster: name } : {}),
      },
    };
  },
  unknownOption: (option, rules) =>
    option === '--brokers'
      ? `${NAMED}${rules === undefined ? '' : ` (${clusterNames(rules.kafkaClusters)})`}.`
      : undefined,
  check(command, { kafkaClusters }) {
    const name = command.action === 'kafka' ? command.params.cluster : undefined;
    if (name !== undefined && !kafkaClusters.includes(name))
      throw new UsageError(
        `No Kafka cluster \`${shown(name)}\` is configured. ${NAMED}: ${clusterNames(kafkaClusters)}.`,
      );
  },
  describe(command) {
    if (command.action === 'history') return { line: `bench history kafka --limit ${command.limit}` };
    const p = command.params;
    return {
      line:
        `bench kafka --records ${p.records} --record-size ${p.recordSize} --throughput ${p.throughput} ` +
        `--acks ${p.acks === -1 ? 'all' : p.acks} --partitions ${p.partitions}` +
        `${p.cluster === undefined ? '' : ` --cluster ${p.cluster}`}`,
      target: 'kafka',
    };
  },
};
