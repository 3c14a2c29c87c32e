import { UsageError } from '../errors.js';
import { tokenize } from './tokenize.js';

/** Leading mentions of the bot (`<@U0BOT>` or `<@U0BOT|carbon>`), as Slack sends them in app_mention text. */
const LEADING_MENTIONS = /^(\s*<@[A-Z0-9]+(\|[^>]*)?>[\s:,]*)+/;

/**
 * A mention in an incident channel: `@carbon restart trino, it is stuck on queued queries`. Text up to the
 * first comma is the command; what follows is the reason, taken verbatim (so "it's" needs no quoting).
 * Returns the words of that restart, or the text to parse like the slash command. Pure; throws only UsageError.
 */
export function mentionWords(text: string): string[] | string {
  const body = text.replace(LEADING_MENTIONS, '').trim();
  const comma = body.indexOf(',');
  const head = comma > 0 ? wordsOrUndefined(body.slice(0, comma)) : undefined;
  const reason = body.slice(comma + 1).trim();
  // A comma inside quotes (`--reason "a, b"`) leaves the head unbalanced: then it is the plain form.
  if (head !== undefined && head[0]?.toLowerCase() === 'restart' && reason !== '' && !head.includes('--reason')) {
    return [...head, '--reason', reason];
  }
  if (body === '')
    throw new UsageError('Mention me with a command, e.g. `@carbon restart trino, it is stuck on queued queries`.');
  return body;
}

function wordsOrUndefined(text: string): string[] | undefined {
  try {
    return tokenize(text);
  } catch {
    return undefined;
  }
}
