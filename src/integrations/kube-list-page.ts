// A Kubernetes list page read item by item. JSON.parse of a whole page makes one large string (a page
// of 500 pods is 1–5 MB, so V8 puts it in the large-object space, freed only by a full collection) and
// one object graph of every item at once; reading each item from its own slice of the bytes keeps each
// allocation small and short-lived, for the same CPU (docs/benchmarks.md, "Health report": a streaming
// tokenizer, @streamparser/json, was 15 times slower than JSON.parse).

/** The page's own members besides `items`: kind, apiVersion, metadata (the continue token). */
export interface ListEnvelope {
  kind?: string;
  metadata?: { continue?: string; resourceVersion?: string; remainingItemCount?: number };
  [member: string]: unknown;
}

/** The bytes are not a JSON object (truncated, HTML from a proxy…): where reading stopped, never the content. */
export class NotJson extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * Reads a list page (`{"kind":…,"metadata":{…},"items":[…]}`, members in any order): each element of
 * `items` is parsed on its own and handed to `onItem` in order; the other members are parsed whole and
 * returned. Every byte is checked: items and members by JSON.parse, the page's structure here. The
 * structural characters are ASCII, which never occur inside a multi-byte UTF-8 sequence, so the bytes are
 * scanned as they are and only complete values are decoded.
 */
export function readListPage(bytes: Buffer, onItem: (item: unknown) => void): ListEnvelope {
  const envelope: ListEnvelope = {};
  let i = expect(bytes, space(bytes, 0), OPEN_BRACE);
  i = space(bytes, i);
  if (bytes[i] === CLOSE_BRACE) return finish(bytes, i + 1, envelope);
  for (;;) {
    if (bytes[i] !== QUOTE) throw notJson(bytes, i, 'a member name');
    const nameEnd = stringEnd(bytes, i);
    const name = parse(bytes, i, nameEnd) as string;
    i = space(bytes, expect(bytes, space(bytes, nameEnd), COLON));
    if (name === 'items' && bytes[i] === OPEN_BRACKET) {
      i = eachElement(bytes, i, onItem);
    } else {
      const end = valueEnd(bytes, i);
      envelope[name] = parse(bytes, i, end);
      i = end;
    }
    i = space(bytes, i);
    if (bytes[i] === COMMA) {
      i = space(bytes, i + 1);
      continue;
    }
    return finish(bytes, expect(bytes, i, CLOSE_BRACE), envelope);
  }
}

/** The elements of the array at `i`, each parsed from its own slice; the index after the array. */
function eachElement(bytes: Buffer, start: number, onItem: (item: unknown) => void): number {
  let i = space(bytes, start + 1);
  if (bytes[i] === CLOSE_BRACKET) return i + 1;
  for (;;) {
    const end = valueEnd(bytes, i);
    onItem(parse(bytes, i, end));
    i = space(bytes, end);
    if (bytes[i] === COMMA) {
      i = space(bytes, i + 1);
      continue;
    }
    return expect(bytes, i, CLOSE_BRACKET);
  }
}

function finish(bytes: Buffer, end: number, envelope: ListEnvelope): ListEnvelope {
  if (space(bytes, end) !== bytes.length) throw notJson(bytes, end, 'the end of the answer');
  return envelope;
}

function parse(bytes: Buffer, start: number, end: number): unknown {
  try {
    return JSON.parse(bytes.toString('utf8', start, end));
  } catch {
    throw new NotJson(`invalid JSON between bytes ${start} and ${end}`);
  }
}

/** The index just past the value starting at `i`: a string, an object or array (brackets counted outside strings), or a scalar. */
function valueEnd(bytes: Buffer, start: number): number {
  const first = bytes[start];
  if (first === QUOTE) return stringEnd(bytes, start);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let i = start; i < bytes.length; i++) {
      const c = bytes[i];
      if (c === QUOTE) i = stringEnd(bytes, i) - 1;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) return i + 1;
    }
    throw notJson(bytes, bytes.length, 'the end of an object or array');
  }
  // A number, true, false or null: up to the next delimiter (JSON.parse checks what it is).
  let i = start;
  while (i < bytes.length) {
    const c = bytes[i];
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break;
    i++;
  }
  if (i === start) throw notJson(bytes, start, 'a value');
  return i;
}

/** The index just past the closing quote of the string whose opening quote is at `start`. */
function stringEnd(bytes: Buffer, start: number): number {
  for (let i = start + 1; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) i++;
  }
  throw notJson(bytes, bytes.length, 'the end of a string');
}

function expect(bytes: Buffer, i: number, byte: number): number {
  if (bytes[i] !== byte) throw notJson(bytes, i, `'${String.fromCharCode(byte)}'`);
  return i + 1;
}

const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function space(bytes: Buffer, start: number): number {
  let i = start;
  while (isSpace(bytes[i])) i++;
  return i;
}

function notJson(bytes: Buffer, at: number, wanted: string): NotJson {
  return new NotJson(
    at >= bytes.length ? `the answer ended where ${wanted} was due` : `${wanted} was due at byte ${at}`,
  );
}
