import { UsageError } from '../errors.js';
import { tokenize } from './tokenize.js';

/** Leading mentions of the bot (`<@U0BOT>` or `<@U0BOT|carbon>`), as Slack sends them in app_mention text. */
const LEADING_MENTIONS = /^(\s*<@[A-Z0-9]+(\|[^>]*)?>[\s:,]*)+/;

/** The text of a mention without the bot's own mention in front; a UsageError when nothing follows it. */
export function mentionBody(text: string): string {
  const body = text.replace(LEADING_MENTIONS, '').trim();
  if (body === '')
    throw new UsageError('Mention me with a command, e.g. `@carbon restart trino, it is stuck on queued queries`.');
  return body;
}

/**
 * The conversational form of a restart, typed or mentioned: `restart trino, it is stuck on queued queries`.
 * Text up to the first comma is the command; what follows is the reason, taken verbatim (so "it's" needs no
 * quoting). Its words, or undefined for any other text. Pure; never throws.
 */
export function conversationalWords(text: string): string[] | undefined {
  const comma = text.indexOf(',');
  const head = comma > 0 ? wordsOrUndefined(text.slice(0, comma)) : undefined;
  const reason = text.slice(comma + 1).trim();
  // A comma inside quotes (`--reason "a, b"`) leaves the head unbalanced: then it is the plain form.
  if (head !== undefined && head[0]?.toLowerCase() === 'restart' && reason !== '' && !head.includes('--reason'))
    return [...head, '--reason', reason];
  return undefined;
}

function wordsOrUndefined(text: string): string[] | undefined {
  try {
    return tokenize(text);
  } catch {
    return undefined;
  }
}
