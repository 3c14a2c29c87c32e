import type { Command } from '../commands/index.js';
import { healthReport } from './health-report.js';
import type { JobDefinition } from './job.js';

/** The commands a worker runs, by command name. A command not listed here is answered by the handler itself. */
export const JOBS = {
  health: healthReport,
} as const satisfies Partial<{ [N in Command['name']]: JobDefinition<Extract<Command, { name: N }>> }>;

export type JobName = keyof typeof JOBS;

export const isJobCommand = (command: Command): command is Extract<Command, { name: JobName }> => command.name in JOBS;

export function jobFor(name: string): JobDefinition | undefined {
  return (JOBS as Record<string, JobDefinition | undefined>)[name];
}
