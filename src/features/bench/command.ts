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
  brokers: 9,
  bytes: 4 * 2 ** 30,
} as const;

/** A DNS label (letters, digits, inner hyphens, up to 63): a host name is labels joined by dots. */
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/** `host:port`, the host a DNS name or a bracketed IPv6 address. */
const BROKER = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9A-Fa-f:.]+\\]):(\\d{1,5})$`);

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

function brokers(args: ParsedArgs): string[] | undefined {
  const text = stringOption(args, 'brokers');
  if (text === undefined) return undefined;
  const list = text
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (list.length === 0 || list.length > BENCH_LIMITS.brokers)
    throw new UsageError(`--brokers takes 1 to ${BENCH_LIMITS.brokers} host:port addresses, comma-separated.`);
  for (const broker of list) {
    const port = Number(BROKER.exec(broker)?.[1]);
    if (!(port >= 1 && port <= 65535))
      throw new UsageError(`\`${shown(broker)}\` is not a broker address like kafka-0.kafka:9092.`);
  }
  return list;
}

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
    '[--brokers LIST]',
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
    'bench history kafka',
  ],
  options: {
    records: { type: 'string' },
    'record-size': { type: 'string' },
    throughput: { type: 'string' },
    acks: { type: 'string' },
    partitions: { type: 'string' },
    brokers: { type: 'string' },
    limit: { type: 'string' },
  },
  actions: {
    kafka: { options: ['records', 'record-size', 'throughput', 'acks', 'partitions', 'brokers'], usage: USAGE.kafka },
    history: { words: ['kafka'], options: ['limit'], usage: USAGE.history },
  },
  build(args) {
    const [action, target] = args.positionals.map((p) => p.toLowerCase());
    if (action === 'history') {
      if (target !== 'kafka') throw new UsageError(`Usage: \`/carbon ${USAGE.history}\``);
      return { name: 'bench', action: 'history', target: 'kafka', limit: integer(args, 'limit', 1, 50, 10) };
    }
    const list = brokers(args);
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
        ...(list ? { brokers: list } : {}),
      },
    };
  },
  describe(command) {
    if (command.action === 'history') return { line: `bench history kafka --limit ${command.limit}` };
    const p = command.params;
    return {
      line:
        `bench kafka --records ${p.records} --record-size ${p.recordSize} --throughput ${p.throughput} ` +
        `--acks ${p.acks === -1 ? 'all' : p.acks} --partitions ${p.partitions}`,
      target: 'kafka',
    };
  },
};
