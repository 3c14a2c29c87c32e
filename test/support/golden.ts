import { expect } from '@jest/globals';
import type { KnownBlock } from '@slack/types';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toPlainText } from '../../src/cli/plain-text.js';
import type { Message } from '../../src/message.js';

/**
 * Golden files: what each renderer shows, kept under test/golden/<capability>/ and reviewed like code.
 * `UPDATE_GOLDEN=1` (`npm run golden:update`) writes them; otherwise a file that differs or is missing
 * fails the test, so a change in what users see is always a reviewed diff.
 */

export const GOLDEN_DIR = fileURLToPath(new URL('../golden/', import.meta.url));

export const updating = (): boolean => process.env['UPDATE_GOLDEN'] === '1';

/** A Markdown document (the handoff file): kept as `.md`. */
export interface Markdown {
  markdown: string;
}

/** What a renderer gives: a message, Block Kit, a line, lines, or a document. */
export type Rendered = Message | KnownBlock | readonly KnownBlock[] | string | readonly string[] | Markdown;

/** The cases of one renderer, by name (kebab-case): each renders once with fixed inputs. */
export type RendererCases = Record<string, () => Rendered>;

type FunctionNames<M> = { [K in keyof M]: M[K] extends (...args: never[]) => unknown ? K : never }[keyof M] & string;

/** Every exported function of a module has cases: a new renderer without one does not type-check. */
export type ModuleCases<M> = { [K in FunctionNames<M>]: RendererCases };

export interface GoldenModule {
  /** The folder under test/golden/. */
  capability: string;
  /** The module under src/, for messages: `features/health/render.ts`. */
  source: string;
  /** The module's exports, to find the functions that have no case. */
  exports: object;
  cases: Record<string, RendererCases>;
}

export function goldenModule<M extends object>(
  capability: string,
  source: string,
  exports: M,
  cases: ModuleCases<M>,
): GoldenModule {
  return { capability, source, exports, cases };
}

export interface GoldenFile {
  /** Relative to test/golden/: `health/renderHealth.problems.json`. */
  path: string;
  content: string;
}

const isMessage = (value: object): value is Message => 'text' in value && typeof value.text === 'string';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * The files one case is kept in: a message or blocks as Block Kit JSON (`.json`) and as the terminal shows
 * it (`.txt`, through toPlainText); text as `.txt`; a document as `.md`.
 */
export function goldenFiles(capability: string, renderer: string, name: string, rendered: Rendered): GoldenFile[] {
  const base = `${capability}/${renderer}.${name}`;
  const file = (ext: string, content: string) => ({ path: `${base}.${ext}`, content });
  if (typeof rendered === 'string') return [file('txt', `${rendered}\n`)];
  if (Array.isArray(rendered)) {
    if (rendered.every((item) => typeof item === 'string')) return [file('txt', `${rendered.join('\n')}\n`)];
    const blocks = rendered as KnownBlock[];
    return [file('json', json(blocks)), file('txt', `${toPlainText({ text: '', blocks })}\n`)];
  }
  const value = rendered as Exclude<Rendered, string | readonly unknown[]>;
  if ('markdown' in value) return [file('md', value.markdown)];
  if (isMessage(value)) return [file('json', json(value)), file('txt', `${toPlainText(value)}\n`)];
  return [file('json', json(value)), file('txt', `${toPlainText({ text: '', blocks: [value] })}\n`)];
}

/** Compares with the golden file, or (UPDATE_GOLDEN=1) writes it. A missing file fails: it is never made quietly. */
export function expectGolden({ path, content }: GoldenFile): void {
  const file = join(GOLDEN_DIR, path);
  if (updating()) {
    if (!existsSync(file) || readFileSync(file, 'utf8') !== content) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
    return;
  }
  if (!existsSync(file))
    throw new Error(`No golden file test/golden/${path}: run \`npm run golden:update\`, read it, and commit it.`);
  expect(content).toBe(readFileSync(file, 'utf8'));
}

/** Every file under test/golden/, relative to it. */
export function goldenFilesOnDisk(dir = GOLDEN_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(GOLDEN_DIR, join(entry.parentPath, entry.name)))
    .sort();
}

/** Golden files no case writes any more: listed (and, when updating, deleted). */
export function staleGoldenFiles(expected: ReadonlySet<string>): string[] {
  const stale = goldenFilesOnDisk().filter((path) => !expected.has(path));
  if (updating()) for (const path of stale) rmSync(join(GOLDEN_DIR, path));
  return updating() ? [] : stale;
}
