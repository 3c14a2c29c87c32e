// The descriptions of the published OpenAPI document, for `kubectl explain`: @kubernetes/client-node's
// generated models carry them as doc comments in their declaration files (the type's above the class,
// each field's above the field; a field whose type is another model has none, as in the document).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface ModelDocs {
  description: string | undefined;
  fields: Map<string, string>;
}

const MODELS_DIR = join(
  dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node/package.json')),
  'dist',
  'gen',
  'models',
);
const COMMENT = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(?:'([^']+)'\??:|export declare class)/g;

const clean = (comment: string): string =>
  comment
    .split('\n')
    .map((line) => line.replace(/^\s*\*\s?/, '').trimEnd())
    .join('\n')
    .trim()
    .replace(/\\"/g, '"');

const cache = new Map<string, ModelDocs>();

/** The model's descriptions; none when its declaration file cannot be read. */
export function modelDocs(model: string): ModelDocs {
  let docs = cache.get(model);
  if (docs) return docs;
  docs = { description: undefined, fields: new Map() };
  let text = '';
  try {
    text = readFileSync(join(MODELS_DIR, `${model}.d.ts`), 'utf8');
  } catch {
    // no declaration file: explain prints "<no description>"
  }
  for (const m of text.matchAll(COMMENT)) {
    const [, comment = '', field] = m;
    if (field) docs.fields.set(field, clean(comment));
    else docs.description = clean(comment);
  }
  cache.set(model, docs);
  return docs;
}
