import type { KnownBlock } from '@slack/types';
import type { Message } from '../message.js';

/**
 * The same message as readable terminal text, so `carbon run` and `carbon shell` show exactly what
 * Slack shows: one renderer, two transports.
 */
export function toPlainText(message: Message): string {
  if (!message.blocks || message.blocks.length === 0) return fromMrkdwn(message.text);
  return message.blocks
    .map(blockText)
    .filter((t) => t !== '')
    .join('\n');
}

function blockText(block: KnownBlock): string {
  switch (block.type) {
    case 'header':
      return `\n${block.text.text}\n${'='.repeat(Math.min(block.text.text.length, 72))}`;
    case 'section': {
      const fields = (block.fields ?? []).map((f) => fromMrkdwn(f.text));
      return [block.text ? fromMrkdwn(block.text.text) : '', ...fields].filter(Boolean).join('\n');
    }
    case 'context':
      return block.elements.map((e) => ('text' in e ? fromMrkdwn(e.text) : '')).join('  ');
    case 'divider':
      return '-'.repeat(72);
    case 'actions':
      return block.elements.map((e) => ('text' in e && e.text ? `[${e.text.text}]` : '')).join(' ');
    case 'image':
      return `[image: ${block.alt_text}]`;
    default:
      return '';
  }
}

/** Slack mrkdwn → plain text: code fences and emphasis marks go, links and mentions become readable. */
export function fromMrkdwn(text: string): string {
  // Inside `code` Slack shows * and _ as they are (a cron pattern, a glob): only the rest loses its emphasis marks.
  return text
    .replace(/```/g, '')
    .split(/(`[^`\n]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : withoutEmphasis(part)))
    .join('')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function withoutEmphasis(text: string): string {
  return text
    .replace(/<#([A-Z0-9]+)(\|[^>]*)?>/g, (_m, id: string, label?: string) => `#${label ? label.slice(1) : id}`)
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1$2')
    .replace(/(^|[\s(])_([^_\n]+)_/g, '$1$2');
}
