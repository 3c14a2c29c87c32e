import { destination as pinoDestination, pino, type Logger } from 'pino';

export type { Logger };

/**
 * What a log line keeps of an error: its kind, message, code and stack, and the same of its cause.
 * Never its other properties: client libraries attach the failed request to their errors (Slack's
 * WebClient, for one, attaches the HTTP request with its `Authorization: Bearer xoxb-…` header).
 */
export function safeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, statusCode, status } = error as { code?: unknown; statusCode?: unknown; status?: unknown };
  const scalar = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? value : undefined);
  return {
    type: error.name,
    message: error.message,
    ...(scalar(code) !== undefined ? { code: scalar(code) } : {}),
    ...(scalar(statusCode ?? status) !== undefined ? { status: scalar(statusCode ?? status) } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
    ...(error.cause !== undefined ? { cause: safeError(error.cause) } : {}),
  };
}

/** Belt and braces for values logged outside an error: credentials by name are censored. */
const REDACT = ['*.authorization', '*.Authorization', '*.token', '*.password', '*.secret', '*.headers', '*.config'];

/**
 * Structured JSON logs, on stderr by default (stdout belongs to the CLI's output) or into a file.
 * Jobs log ids and names, never payloads; errors go through `safeError`.
 */
export function createLogger(level: string, destination: number | string = 2): Logger {
  return pino(
    {
      level,
      base: { app: 'carbon-ops' },
      serializers: { err: safeError, error: safeError },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    pinoDestination({ dest: destination, sync: true, mkdir: true }),
  );
}

/**
 * A connection URL fit for a banner or a log line: no password, and no query string, where pg also
 * takes `password`, `sslpassword` and key paths.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    const query = parsed.search ? '?…' : '';
    parsed.search = '';
    return `${parsed.toString()}${query}`;
  } catch {
    return '(unparsable URL)';
  }
}

export const silentLogger = (): Logger => pino({ level: 'silent' });
