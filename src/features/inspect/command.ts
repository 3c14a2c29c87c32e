import type {
  DescribeCommand,
  EventsCommand,
  InspectKind,
  InspectTargetRef,
  LogsCommand,
} from '../../contracts/commands.js';
import { parseDuration } from '../../commands/duration.js';
import { dnsLabel, dnsSubdomain, shown, stringOption, type CommandSpec, type ParsedArgs } from '../../commands/spec.js';
import { UsageError } from '../../errors.js';
import { WORKLOAD_KINDS } from '../restart/command.js';
import { resolveInspectTarget } from './target.js';

export const TAIL_DEFAULT = 100;
export const TAIL_MAX = 1000;
/** The longest `--since`: a week, as far back as a kubelet usually keeps rotated logs anyway. */
export const SINCE_MAX_SECONDS = 7 * 86_400;

const LOGS_USAGE = 'logs <SERVICE | pod/NAME> [-n NS] [--container C] [--previous] [--tail N] [--since 10m]';
const EVENTS_USAGE = 'events <SERVICE | KIND/NAME> [-n NS]';
const DESCRIBE_USAGE = 'describe <SERVICE | KIND/NAME> [-n NS]';

/** kubectl's spellings of the kinds the inspection commands read: a restart's workloads, and pods. */
const KINDS: Record<string, InspectKind> = { pod: 'pod', pods: 'pod', po: 'pod', ...WORKLOAD_KINDS };

/** `trino`, `pod/trino-abc`, `deploy/superset`: a catalogue service or KIND/NAME. */
export function inspectTargetRef(text: string | undefined, usage: string): InspectTargetRef {
  if (text === undefined) throw new UsageError(`Which service? Usage: \`/carbon ${usage}\``);
  const slash = text.indexOf('/');
  if (slash === -1) return { kind: 'service', name: dnsLabel(text.toLowerCase(), 'Service') };
  const kind = KINDS[text.slice(0, slash).toLowerCase()];
  if (kind === undefined) {
    throw new UsageError(
      `\`${shown(text)}\`: name a service, pod/NAME, deployment/NAME or statefulset/NAME. Usage: \`/carbon ${usage}\``,
    );
  }
  return { kind, name: dnsSubdomain(text.slice(slash + 1), kind === 'pod' ? 'Pod' : 'Workload') };
}

export const refText = (ref: InspectTargetRef): string =>
  ref.kind === 'service' ? ref.name : `${ref.kind}/${ref.name}`;

const namespaceOf = (args: ParsedArgs): { namespace?: string } => {
  const namespace = stringOption(args, 'namespace');
  return namespace !== undefined ? { namespace: dnsLabel(namespace, 'Namespace') } : {};
};

const line = (verb: string, command: { target: InspectTargetRef; namespace?: string }): string =>
  `${verb} ${refText(command.target)}${command.namespace ? ` -n ${command.namespace}` : ''}`;

function tailOption(args: ParsedArgs): number {
  const text = stringOption(args, 'tail');
  if (text === undefined) return TAIL_DEFAULT;
  const tail = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (!(tail >= 1 && tail <= TAIL_MAX))
    throw new UsageError(`\`--tail ${shown(text)}\`: give a number of lines from 1 to ${TAIL_MAX}.`);
  return tail;
}

function sinceOption(args: ParsedArgs): { sinceSeconds?: number } {
  const text = stringOption(args, 'since');
  if (text === undefined) return {};
  const seconds = Math.round(parseDuration(text) / 1000);
  if (seconds > SINCE_MAX_SECONDS) throw new UsageError(`\`--since ${shown(text)}\`: at most 7d.`);
  return { sinceSeconds: seconds };
}

export const logs: CommandSpec<LogsCommand> = {
  route: () => ({ job: 'inspect-logs' }),
  name: 'logs',
  summary: `The last lines of a service's or pod's log (kubectl logs), credentials masked; --tail up to ${TAIL_MAX}.`,
  usage: LOGS_USAGE,
  examples: ['logs trino --tail 50', 'logs kafka-connect --previous', 'logs pod/superset-7d9f-abcde -n data-platform'],
  options: {
    namespace: { type: 'string', short: 'n' },
    container: { type: 'string', short: 'c' },
    previous: { type: 'boolean', short: 'p' },
    tail: { type: 'string' },
    since: { type: 'string' },
  },
  words: ['<SERVICE | pod/NAME>'],
  build(args) {
    const target = inspectTargetRef(args.positionals[0], LOGS_USAGE);
    const container = stringOption(args, 'container');
    return {
      name: 'logs',
      target,
      ...namespaceOf(args),
      ...(container !== undefined ? { container: dnsLabel(container, 'Container') } : {}),
      previous: args.values['previous'] === true,
      tail: tailOption(args),
      ...sinceOption(args),
    };
  },
  check(command, { catalogue }) {
    resolveInspectTarget(command, catalogue);
  },
  describe(command) {
    const flags = [
      command.container ? ` --container ${command.container}` : '',
      command.previous ? ' --previous' : '',
      ` --tail ${command.tail}`,
      command.sinceSeconds !== undefined ? ` --since ${command.sinceSeconds}s` : '',
    ].join('');
    return { line: `${line('logs', command)}${flags}`, target: refText(command.target) };
  },
};

export const events: CommandSpec<EventsCommand> = {
  route: () => ({ job: 'inspect-events' }),
  name: 'events',
  summary: 'Recent Kubernetes events of a service (its workload and pods) or of one object.',
  usage: EVENTS_USAGE,
  examples: ['events trino', 'events pod/kafka-connect-6b5c-x2k4p -n kafka'],
  options: { namespace: { type: 'string', short: 'n' } },
  words: ['<SERVICE | KIND/NAME>'],
  build(args) {
    return { name: 'events', target: inspectTargetRef(args.positionals[0], EVENTS_USAGE), ...namespaceOf(args) };
  },
  check(command, { catalogue }) {
    resolveInspectTarget(command, catalogue);
  },
  describe(command) {
    return { line: line('events', command), target: refText(command.target) };
  },
};

export const describe: CommandSpec<DescribeCommand> = {
  route: () => ({ job: 'inspect-describe' }),
  name: 'describe',
  summary: 'Replicas, images, pod conditions, last terminations (reason, exit code) and recent events of a service.',
  usage: DESCRIBE_USAGE,
  examples: ['describe dolphinscheduler', 'describe statefulset/kafka -n kafka'],
  options: { namespace: { type: 'string', short: 'n' } },
  words: ['<SERVICE | KIND/NAME>'],
  build(args) {
    return { name: 'describe', target: inspectTargetRef(args.positionals[0], DESCRIBE_USAGE), ...namespaceOf(args) };
  },
  check(command, { catalogue }) {
    resolveInspectTarget(command, catalogue);
  },
  describe(command) {
    return { line: line('describe', command), target: refText(command.target) };
  },
};
