import type { KnownBlock } from '@slack/types';

/** What the bot posts: Block Kit for Slack, `text` as the notification fallback. */
export interface Message {
  text: string;
  blocks?: KnownBlock[];
}

/** Slack's documented limits; the renderers stay inside them. */
export const LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, contextElements: 10 } as const;

/** A time to the minute, as every approval message shows it: `2026-11-21 10:15 UTC`. */
export const utc = (date: Date): string => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** Slack user IDs as mentions: `<@U1>, <@U2>`. */
export const who = (ids: readonly string[]): string => ids.map((id) => `<@${id}>`).join(', ');

/** Slack mrkdwn treats &, < and > as control characters (`<!channel>`): user text must be escaped. */
export const escapeMrkdwn = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const header = (text: string): KnownBlock => ({
  type: 'header',
  text: { type: 'plain_text', text: clip(text, LIMITS.headerText), emoji: true },
});

export const section = (mrkdwn: string): KnownBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: clip(mrkdwn, LIMITS.sectionText) },
});

export const context = (...mrkdwn: string[]): KnownBlock => ({
  type: 'context',
  elements: mrkdwn
    .slice(0, LIMITS.contextElements)
    .map((text) => ({ type: 'mrkdwn', text: clip(text, LIMITS.sectionText) })),
});

export const divider = (): KnownBlock => ({ type: 'divider' });

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A monospace table in a section. Rows that would push the section past Slack's 3,000 characters
 * are dropped and counted in a last line, so the message is always accepted.
 */
export function table(columns: string[], rows: string[][], title?: string): KnownBlock {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const prefix = title ? `${title}\n` : '';
  const lines = [line(columns)];
  let omitted = 0;
  for (const [index, row] of rows.entries()) {
    const candidate = escapeMrkdwn(line(row));
    const size = prefix.length + [...lines, candidate].join('\n').length + 8 + 40;
    if (size > LIMITS.sectionText) {
      omitted = rows.length - index;
      break;
    }
    lines.push(candidate);
  }
  if (omitted > 0) lines.push(`… and ${omitted} more`);
  return section(`${prefix}\`\`\`${lines.join('\n')}\`\`\``);
}

/**
 * A titled list of mrkdwn lines in one section: lines that would push it past Slack's 3,000 characters
 * are dropped whole (never cut mid-line) and counted in a last `… and N more` line.
 */
export function lineList(title: string, lines: readonly string[], max: number = LIMITS.sectionText): KnownBlock {
  const kept: string[] = [];
  let size = title.length;
  for (const [index, line] of lines.entries()) {
    const left = lines.length - index - 1;
    const reserve = left > 0 ? `\n… and ${lines.length} more`.length : 0;
    if (size + 1 + line.length + reserve > max) {
      kept.push(`… and ${lines.length - index} more`);
      break;
    }
    kept.push(line);
    size += 1 + line.length;
  }
  return section([title, ...kept].join('\n'));
}

/** Caps a message at Slack's 50 blocks, saying so in the last one. */
export function capBlocks(blocks: KnownBlock[]): KnownBlock[] {
  if (blocks.length <= LIMITS.blocks) return blocks;
  return [
    ...blocks.slice(0, LIMITS.blocks - 1),
    context(`… ${blocks.length - LIMITS.blocks + 1} more sections left out (Slack allows ${LIMITS.blocks} blocks).`),
  ];
}
