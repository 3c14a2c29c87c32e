import { destination as pinoDestination, pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs, on stderr by default (stdout belongs to the CLI's output) or into a file.
 * Secrets never get here by construction: jobs log ids and names, never payloads.
 */
export function createLogger(level: string, destination: number | string = 2): Logger {
  return pino({ level, base: { app: 'carbon-ops' } }, pinoDestination({ dest: destination, sync: true, mkdir: true }));
}

export const silentLogger = (): Logger => pino({ level: 'silent' });
