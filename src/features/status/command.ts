import type { StatusCommand, ScheduleCommand } from '../../contracts/commands.js';
import type { CommandSpec } from '../../commands/spec.js';

export const status: CommandSpec<StatusCommand> = {
  route: () => ({ job: 'status-report' }),
  name: 'status',
  summary:
    'The daily status post, now: health and its change, phases, benchmarks, Vault, ' +
    'actions of the last 24 h, expiring certificates, trend chart.',
  usage: 'status',
  examples: ['status'],
  build() {
    return { name: 'status' };
  },
};

export const schedule: CommandSpec<ScheduleCommand> = {
  route: () => ({ job: 'status-schedule' }),
  name: 'schedule',
  summary: 'When the daily status is posted, where, the next runs and the last post.',
  usage: 'schedule',
  examples: ['schedule'],
  build() {
    return { name: 'schedule' };
  },
};
