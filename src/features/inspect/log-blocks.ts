import type { KnownBlock } from '@slack/types';
import { escapeMrkdwn, LIMITS, section } from '../../message.js';

/** How much of a log a message shows: a few code blocks, each inside Slack's 3,000 characters. */
const LOG_BLOCKS = 4;
const BLOCK_CHARS = LIMITS.sectionText - 20;

const code = (lines: readonly string[]): string =>
  `\`\`\`${escapeMrkdwn(lines.join('\n').replace(/```/g, "'''"))}\`\`\``;

/** Lines into code blocks, oldest first, keeping the newest lines when they do not all fit. */
export function logBlocks(lines: readonly string[]): { blocks: KnownBlock[]; omitted: number } {
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 0;
  // from the newest line back: the end of a log is what explains a crash
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.length > 500 ? `${lines[i]!.slice(0, 499)}…` : lines[i]!;
    const cost = escapeMrkdwn(line).length + 1;
    if (size + cost > BLOCK_CHARS) {
      if (chunks.length + 1 > LOG_BLOCKS - 1) return finish(chunks, current, i + 1);
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.unshift(line);
    size += cost;
  }
  return finish(chunks, current, 0);
}

function finish(chunks: string[][], current: string[], omitted: number): { blocks: KnownBlock[]; omitted: number } {
  const all = current.length > 0 ? [...chunks, current] : chunks;
  return { blocks: all.reverse().map((lines) => section(code(lines))), omitted };
}
