import type { InspectKind, InspectTargetRef, RestartTargetRef } from '../../contracts/commands.js';
import type { Catalogue } from '../../catalogue.js';
import { shown } from '../../commands/spec.js';
import { UsageError } from '../../errors.js';
import { resolveRestartTarget } from '../restart/command.js';

/** The object an inspection command reads, resolved through the catalogue. */
export interface InspectTarget {
  kind: InspectKind;
  name: string;
  namespace: string;
  /** The catalogue service it was asked for by, if any. */
  service?: string;
}

/**
 * What `logs`/`events`/`describe` name: a catalogue service (its workload), a workload (the catalogue supplies
 * the namespace when it knows it) or a pod (the namespace must be given). Pure; throws a UsageError.
 */
export function resolveInspectTarget(
  command: { target: InspectTargetRef; namespace?: string },
  catalogue: Catalogue,
): InspectTarget {
  const { target, namespace } = command;
  if (target.kind === 'pod') {
    if (namespace === undefined)
      throw new UsageError(`Which namespace is pod/${shown(target.name)} in? Add \`-n NAMESPACE\`.`);
    return { kind: 'pod', name: target.name, namespace };
  }
  // the same resolution as a restart's: a service's workload, or deployment/statefulset NAME
  const resolved = resolveRestartTarget(
    {
      name: 'restart',
      target: target as RestartTargetRef,
      ...(namespace !== undefined ? { namespace } : {}),
      reason: 'inspect',
    },
    catalogue,
  );
  return resolved;
}

export const targetText = (target: InspectTarget): string =>
  `${target.kind}/${target.name} (${target.namespace})${target.service ? ` · service ${target.service}` : ''}`;
