import { LogLevel, type Logger } from '@slack/web-api';

/** For WebClient and Bolt in tests: they log Slack's error details and retries; the assertions say what matters. */
export const silentSlackLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};
