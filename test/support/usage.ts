import { COMMANDS } from '../../src/app/commands.js';
import { UsageError } from '../../src/errors.js';

/** The message of the UsageError `fn` throws; another error is rethrown, and none at all fails the test. */
export function usageErrorOf(fn: () => unknown, input?: string): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(input === undefined ? 'expected a usage error' : `expected a usage error for ${input}`);
}

/** The message of the UsageError `parse` gives for `text`. */
export const usageOf = (text: string): string => usageErrorOf(() => COMMANDS.parse(text), JSON.stringify(text));
