import { noPositionals, type CommandSpec } from '../../commands/spec.js';

export interface StatusCommand {
  name: 'status';
}

export interface ScheduleCommand {
  name: 'schedule';
}

export const status: CommandSpec<StatusCommand> = {
  name: 'status',
  summary:
    'The daily status post, now: health and its change, phases, benchmarks, Vault, actions of the last 24 h, expiring certificates, trend chart.',
  usage: 'status',
  examples: ['status'],
  build(args) {
    noPositionals(args, this.usage);
    return { name: 'status' };
  },
};

export const schedule: CommandSpec<ScheduleCommand> = {
  name: 'schedule',
  summary: 'When the daily status is posted, where, the next runs and the last post.',
  usage: 'schedule',
  examples: ['schedule'],
  build(args) {
    noPositionals(args, this.usage);
    return { name: 'schedule' };
  },
};
