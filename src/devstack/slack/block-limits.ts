// Slack's documented message and Block Kit limits, checked the way Slack checks them. The stand-in answers with
// these errors, and the bot's renderers unit-test against the same function, so "fits in Slack" is one definition.
// Problems are phrased like Slack's own `response_metadata.messages`: "[ERROR] <what> [json-pointer:<where>]".

export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  messageText: 40_000,
  blockId: 255,
  sectionText: 3_000,
  sectionFields: 10,
  sectionFieldText: 2_000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  actionId: 255,
  buttonValue: 2_000,
  url: 3_000,
  imageAltText: 2_000,
  imageTitle: 2_000,
} as const;

export type BlockProblem = { pointer: string; problem: string };

/** The Slack error a message would get, with Slack-style detail lines; undefined when Slack would accept it. */
export type MessageRejection = { error: 'no_text' | 'msg_too_long' | 'invalid_blocks'; messages: string[] };

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Formats a problem exactly as Slack lists it in `response_metadata.messages`. */
export function formatProblem({ pointer, problem }: BlockProblem): string {
  return `[ERROR] ${problem} [json-pointer:${pointer}]`;
}

/**
 * Checks a message the way chat.postMessage / chat.update do. `blocks` must already be parsed JSON (the stand-in
 * reports unparseable blocks as `invalid_blocks_format` before getting here). A message needs text, blocks or
 * attachments; lengths are UTF-16 code units, which never undercounts what Slack counts.
 */
export function checkMessage(msg: {
  text?: unknown;
  blocks?: unknown;
  attachments?: unknown;
}): MessageRejection | undefined {
  const text = typeof msg.text === 'string' ? msg.text : '';
  const hasBlocks = Array.isArray(msg.blocks) && msg.blocks.length > 0;
  const hasAttachments = Array.isArray(msg.attachments) && msg.attachments.length > 0;
  if (text === '' && !hasBlocks && !hasAttachments) return { error: 'no_text', messages: [] };
  if (text.length > SLACK_LIMITS.messageText) return { error: 'msg_too_long', messages: [] };
  if (msg.blocks === undefined) return undefined;
  const problems = findBlockProblems(msg.blocks);
  return problems.length === 0 ? undefined : { error: 'invalid_blocks', messages: problems.map(formatProblem) };
}

/** Every limit a `blocks` array breaks; empty when Slack would accept it. */
export function findBlockProblems(blocks: unknown): BlockProblem[] {
  const out: BlockProblem[] = [];
  if (!Array.isArray(blocks)) return [{ pointer: '/blocks', problem: 'must be an array' }];
  if (blocks.length > SLACK_LIMITS.blocksPerMessage) {
    out.push({ pointer: '/blocks', problem: `no more than ${SLACK_LIMITS.blocksPerMessage} items allowed` });
  }
  blocks.forEach((block, i) => checkBlock(block, `/blocks/${i}`, out));
  return out;
}

function checkBlock(block: unknown, at: string, out: BlockProblem[]): void {
  if (!isObject(block)) {
    out.push({ pointer: at, problem: 'must be an object' });
    return;
  }
  maxLength(block['block_id'], SLACK_LIMITS.blockId, `${at}/block_id`, out);
  switch (block['type']) {
    case 'section':
      return checkSection(block, at, out);
    case 'header':
      return textObject(block['text'], `${at}/text`, SLACK_LIMITS.headerText, out, { plainOnly: true });
    case 'divider':
      return;
    case 'context':
      return checkContext(block, at, out);
    case 'actions':
      return checkActions(block, at, out);
    case 'image':
      return checkImage(block, at, out);
    case 'rich_text':
      if (!Array.isArray(block['elements']))
        out.push({ pointer: `${at}/elements`, problem: 'missing required field: elements' });
      return;
    case undefined:
      out.push({ pointer: `${at}/type`, problem: 'missing required field: type' });
      return;
    default:
      out.push({ pointer: `${at}/type`, problem: `unsupported type: ${String(block['type'])}` });
  }
}

function checkSection(block: Json, at: string, out: BlockProblem[]): void {
  const fields = block['fields'];
  if (block['text'] === undefined && fields === undefined) {
    out.push({ pointer: at, problem: 'must provide either text or fields' });
  }
  if (block['text'] !== undefined) textObject(block['text'], `${at}/text`, SLACK_LIMITS.sectionText, out);
  if (fields !== undefined) {
    if (!Array.isArray(fields) || fields.length === 0) {
      out.push({ pointer: `${at}/fields`, problem: 'must be a non-empty array' });
    } else {
      if (fields.length > SLACK_LIMITS.sectionFields) {
        out.push({ pointer: `${at}/fields`, problem: `no more than ${SLACK_LIMITS.sectionFields} items allowed` });
      }
      fields.forEach((f, i) => textObject(f, `${at}/fields/${i}`, SLACK_LIMITS.sectionFieldText, out));
    }
  }
  const accessory = block['accessory'];
  if (isObject(accessory) && accessory['type'] === 'button') checkButton(accessory, `${at}/accessory`, out);
}

function checkContext(block: Json, at: string, out: BlockProblem[]): void {
  const elements = block['elements'];
  if (!Array.isArray(elements) || elements.length === 0) {
    out.push({ pointer: `${at}/elements`, problem: 'must be a non-empty array' });
    return;
  }
  if (elements.length > SLACK_LIMITS.contextElements) {
    out.push({ pointer: `${at}/elements`, problem: `no more than ${SLACK_LIMITS.contextElements} items allowed` });
  }
  elements.forEach((el, i) => {
    const where = `${at}/elements/${i}`;
    if (isObject(el) && el['type'] === 'image') checkImage(el, where, out);
    else textObject(el, where, SLACK_LIMITS.sectionText, out);
  });
}

function checkActions(block: Json, at: string, out: BlockProblem[]): void {
  const elements = block['elements'];
  if (!Array.isArray(elements) || elements.length === 0) {
    out.push({ pointer: `${at}/elements`, problem: 'must be a non-empty array' });
    return;
  }
  if (elements.length > SLACK_LIMITS.actionsElements) {
    out.push({ pointer: `${at}/elements`, problem: `no more than ${SLACK_LIMITS.actionsElements} items allowed` });
  }
  elements.forEach((el, i) => {
    const where = `${at}/elements/${i}`;
    if (!isObject(el) || typeof el['type'] !== 'string')
      out.push({ pointer: where, problem: 'missing required field: type' });
    else if (el['type'] === 'button') checkButton(el, where, out);
  });
}

function checkButton(button: Json, at: string, out: BlockProblem[]): void {
  textObject(button['text'], `${at}/text`, SLACK_LIMITS.buttonText, out, { plainOnly: true });
  maxLength(button['action_id'], SLACK_LIMITS.actionId, `${at}/action_id`, out);
  maxLength(button['value'], SLACK_LIMITS.buttonValue, `${at}/value`, out);
  maxLength(button['url'], SLACK_LIMITS.url, `${at}/url`, out);
}

function checkImage(image: Json, at: string, out: BlockProblem[]): void {
  if (image['image_url'] === undefined && image['slack_file'] === undefined) {
    out.push({ pointer: at, problem: 'must provide either image_url or slack_file' });
  }
  maxLength(image['image_url'], SLACK_LIMITS.url, `${at}/image_url`, out);
  if (typeof image['alt_text'] !== 'string')
    out.push({ pointer: `${at}/alt_text`, problem: 'missing required field: alt_text' });
  maxLength(image['alt_text'], SLACK_LIMITS.imageAltText, `${at}/alt_text`, out);
  if (image['title'] !== undefined) {
    textObject(image['title'], `${at}/title`, SLACK_LIMITS.imageTitle, out, { plainOnly: true });
  }
}

/** A composition text object: `{type: plain_text | mrkdwn, text}` with 1..max characters. */
function textObject(
  v: unknown,
  at: string,
  max: number,
  out: BlockProblem[],
  opts: { plainOnly?: boolean } = {},
): void {
  if (!isObject(v)) {
    out.push({ pointer: at, problem: 'must be a text object' });
    return;
  }
  const allowed = opts.plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
  if (!allowed.includes(String(v['type']))) {
    out.push({ pointer: `${at}/type`, problem: `must be ${allowed.join(' or ')}` });
  }
  const text = v['text'];
  if (typeof text !== 'string' || text.length === 0) {
    out.push({ pointer: `${at}/text`, problem: 'must be more than 0 characters' });
    return;
  }
  maxLength(text, max, `${at}/text`, out);
}

function maxLength(v: unknown, max: number, at: string, out: BlockProblem[]): void {
  if (typeof v === 'string' && v.length > max)
    out.push({ pointer: at, problem: `must be less than ${max + 1} characters` });
}
