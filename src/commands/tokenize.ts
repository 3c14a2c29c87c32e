import { UsageError } from '../errors.js';

/** Slack's clients turn straight quotes into curly ones; both quote here. */
const QUOTES: Record<string, string> = { '"': '"', "'": "'", '“': '”', '‘': '’' };

/**
 * Splits command text into words, honouring quotes like a shell would but with no expansion at all:
 * `$()`, backticks and `;` are just characters. Nothing here is ever passed to a shell.
 */
export function tokenize(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let closing: string | undefined;
  for (const ch of text) {
    if (closing !== undefined) {
      if (ch === closing) closing = undefined;
      else word += ch;
    } else if (ch in QUOTES) {
      closing = QUOTES[ch];
      inWord = true;
    } else if (/\s/u.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (closing !== undefined) throw new UsageError(`Unmatched quote: add the closing ${closing}.`);
  if (inWord) words.push(word);
  return words;
}
