import type { RestartCommand, RestartTargetRef } from '../../contracts/commands.js';
import type { Catalogue, WorkloadKind } from '../../catalogue.js';
import { UsageError } from '../../errors.js';
import { dnsLabel, dnsSubdomain, shown, stringOption, type CommandSpec } from '../../commands/spec.js';

/** The workload a restart acts on, resolved through the catalogue. */
export interface RestartTarget {
  kind: WorkloadKind;
  name: string;
  namespace: string;
  /** The catalogue service it was asked for by, if any. */
  service?: string;
}

const USAGE = 'restart <SERVICE | deployment/NAME | statefulset/NAME> [-n NS] --reason "WHY"';

/** kubectl's spellings of the two workload kinds a restart accepts. */
export const WORKLOAD_KINDS: Record<string, WorkloadKind> = {
  deployment: 'deployment',
  deployments: 'deployment',
  deploy: 'deployment',
  'deployment.apps': 'deployment',
  statefulset: 'statefulset',
  statefulsets: 'statefulset',
  sts: 'statefulset',
  'statefulset.apps': 'statefulset',
};

export const REASON_MIN = 3;
export const REASON_MAX = 300;

export const restart: CommandSpec<RestartCommand> = {
  route: () => ({ job: 'restart-request' }),
  name: 'restart',
  summary:
    'Rolling restart of a service (kubectl rollout restart), after a pre-flight plan and a second person’s approval.',
  usage: USAGE,
  examples: [
    'restart trino --reason "stuck on queued queries"',
    'restart deployment/superset -n data-platform --reason "OOM after upgrade"',
    'restart trino, it is stuck on queued queries',
  ],
  options: { namespace: { type: 'string', short: 'n' }, reason: { type: 'string' } },
  // The conversational form (`restart trino, it is stuck`) reaches build as --reason: see commands/mention.ts.
  words: ['<SERVICE | deployment/NAME | statefulset/NAME>'],
  wordsHint: 'Quote the reason, e.g. --reason "stuck on queued queries".',
  build(args) {
    const [first] = args.positionals;
    if (first === undefined) throw new UsageError(`Which service? Usage: \`/carbon ${USAGE}\``);
    // `restart trino,` with nothing after the comma: the reason is what is missing, not the name.
    const targetText = first.length > 1 ? first.replace(/,$/, '') : first;
    const reason = stringOption(args, 'reason');
    const namespace = stringOption(args, 'namespace');
    return {
      name: 'restart',
      target: targetRef(targetText),
      ...(namespace !== undefined ? { namespace: dnsLabel(namespace, 'Namespace') } : {}),
      reason: checkReason(reason),
    };
  },
  check(command, { catalogue }) {
    resolveRestartTarget(command, catalogue);
  },
  describe(command) {
    const ref =
      command.target.kind === 'service' ? command.target.name : `${command.target.kind}/${command.target.name}`;
    return {
      line: `restart ${ref}${command.namespace ? ` -n ${command.namespace}` : ''}`,
      target: ref,
      reason: command.reason,
    };
  },
};

function targetRef(text: string): RestartTargetRef {
  const slash = text.indexOf('/');
  // `Trino` in chat means trino
  if (slash === -1) return { kind: 'service', name: dnsLabel(text.toLowerCase(), 'Service') };
  const kind = WORKLOAD_KINDS[text.slice(0, slash).toLowerCase()];
  if (kind === undefined) {
    throw new UsageError(
      `\`${shown(text)}\`: only deployment/NAME and statefulset/NAME can be restarted. Usage: \`/carbon ${USAGE}\``,
    );
  }
  return { kind, name: dnsSubdomain(text.slice(slash + 1), kind === 'deployment' ? 'Deployment' : 'StatefulSet') };
}

function checkReason(reason: string | undefined): string {
  if (reason === undefined)
    throw new UsageError(`A reason is required: it goes into the audit trail. Usage: \`/carbon ${USAGE}\``);
  // eslint-disable-next-line no-control-regex -- control characters have no place in an audit record
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(reason))
    throw new UsageError('The reason contains control characters.');
  const clean = reason.replace(/\s+/g, ' ').trim();
  if (clean.length < REASON_MIN)
    throw new UsageError(`The reason is too short: say why in a few words (at least ${REASON_MIN} characters).`);
  if (clean.length > REASON_MAX)
    throw new UsageError(`The reason is ${clean.length} characters long; keep it under ${REASON_MAX}.`);
  return clean;
}

/**
 * The workload a restart command means, or a UsageError: unknown services, a namespace that
 * contradicts the catalogue, a workload named without a namespace the catalogue could supply.
 * Pure: called by the handler before queueing and by the job before any call to the cluster.
 */
export function resolveRestartTarget(command: RestartCommand, catalogue: Catalogue): RestartTarget {
  const { target, namespace } = command;
  if (target.kind === 'service') {
    const service = catalogue.find(target.name);
    if (service === undefined) {
      const names = catalogue.services.map((s) => s.name);
      const near = names.filter((n) => n.startsWith(target.name.slice(0, 3))).slice(0, 5);
      const hint = near.length > 0 ? ` Did you mean ${near.map((n) => `\`${n}\``).join(', ')}?` : '';
      throw new UsageError(
        `Unknown service \`${shown(target.name)}\`.${hint} Services are listed in the catalogue; ` +
          'a workload can be named as deployment/NAME -n NS.',
      );
    }
    if (namespace !== undefined && namespace !== service.namespace) {
      throw new UsageError(
        `Service \`${service.name}\` runs in namespace \`${service.namespace}\`, not \`${namespace}\`.`,
      );
    }
    return { kind: service.kind, name: service.workload, namespace: service.namespace, service: service.name };
  }
  const known = catalogue.services.filter(
    (s) =>
      s.kind === target.kind && s.workload === target.name && (namespace === undefined || s.namespace === namespace),
  );
  if (namespace !== undefined)
    return { kind: target.kind, name: target.name, namespace, ...(known[0] ? { service: known[0].name } : {}) };
  if (known.length === 1)
    return { kind: target.kind, name: target.name, namespace: known[0]!.namespace, service: known[0]!.name };
  throw new UsageError(`Which namespace is ${target.kind}/${shown(target.name)} in? Add \`-n NAMESPACE\`.`);
}

export const workloadRef = (target: Pick<RestartTarget, 'kind' | 'name'>): string => `${target.kind}/${target.name}`;
