import type { HealthCommand } from '../../contracts/commands.js';
import { dnsLabel, stringOption, type CommandSpec } from '../../commands/spec.js';

export const health: CommandSpec<HealthCommand> = {
  route: () => ({ job: 'health-report' }),
  name: 'health',
  summary: 'Platform health measured from the cluster: pods, critical services, problem pods.',
  usage: 'health [--namespace NS]',
  examples: ['health', 'health --namespace data-platform'],
  options: { namespace: { type: 'string', short: 'n' } },
  build(args) {
    const namespace = stringOption(args, 'namespace');
    return { name: 'health', ...(namespace !== undefined ? { namespace: dnsLabel(namespace, 'Namespace') } : {}) };
  },
};
