import { describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkMessage } from '../../../src/devstack/slack/block-limits.js';
import type { Message } from '../../../src/message.js';
import { expectGolden, goldenFiles, staleGoldenFiles, type GoldenModule, type Rendered } from '../../support/golden.js';
import approvals from './approvals.cases.js';
import bench from './bench.cases.js';
import cli from './cli.cases.js';
import handlers from './handlers.cases.js';
import health from './health.cases.js';
import incidents from './incidents.cases.js';
import incidentsPods from './incidents-pods.cases.js';
import inspect from './inspect.cases.js';
import jobs from './jobs.cases.js';
import phases from './phases.cases.js';
import restart from './restart.cases.js';
import status from './status.cases.js';
import vault from './vault.cases.js';

/**
 * Every renderer of a user-facing message against its golden files (test/golden/<capability>/): the Block
 * Kit Slack gets and the text a terminal shows. `npm run golden:update` rewrites them; read the diff.
 */

const MODULES: GoldenModule[] = [
  ...health,
  ...inspect,
  ...restart,
  ...vault,
  ...phases,
  ...bench,
  ...status,
  ...approvals,
  ...jobs,
  ...cli,
  ...handlers,
  ...incidents,
  ...incidentsPods,
];

/** Modules named like renderers that do not build messages. */
const NOT_MESSAGES = new Map([['charts/render.ts', 'draws PNG charts (test/unit/charts.test.ts)']]);

const isMessage = (value: Rendered): value is Message =>
  typeof value === 'object' && !Array.isArray(value) && 'text' in value && typeof value.text === 'string';

describe.each(MODULES.map((m) => [m.source, m] as const))('%s', (_source, module) => {
  const cases = Object.entries(module.cases).flatMap(([renderer, named]) =>
    Object.entries(named).map(([name, render]) => [`${renderer} ${name}`, renderer, name, render] as const),
  );
  it.each(cases)('%s', (_title, renderer, name, render) => {
    const rendered = render();
    if (isMessage(rendered)) expect(checkMessage(rendered)).toBeUndefined();
    for (const file of goldenFiles(module.capability, renderer, name, rendered)) expectGolden(file);
  });
});

describe('golden coverage', () => {
  it('has a case for every exported function of every renderer module', () => {
    const missing = MODULES.flatMap((m) =>
      Object.entries(m.exports)
        .filter(([name, value]) => typeof value === 'function' && Object.keys(m.cases[name] ?? {}).length === 0)
        .map(([name]) => `${m.source}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('covers every renderer module under src/', () => {
    const src = fileURLToPath(new URL('../../../src/', import.meta.url));
    const renderers = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((path) => !path.startsWith('devstack') && /(^|[-/])render(-[a-z]+)?\.ts$/.test(path))
      .filter((path) => !NOT_MESSAGES.has(path));
    const covered = new Set(MODULES.map((m) => m.source));
    expect(renderers.filter((path) => !covered.has(path))).toEqual([]);
  });

  it('keeps no golden file that no case writes', () => {
    const expected = new Set(
      MODULES.flatMap((m) =>
        Object.entries(m.cases).flatMap(([renderer, named]) =>
          Object.entries(named).flatMap(([name, render]) =>
            goldenFiles(m.capability, renderer, name, render()).map((f) => f.path),
          ),
        ),
      ),
    );
    expect(staleGoldenFiles(expected)).toEqual([]);
  });
});
