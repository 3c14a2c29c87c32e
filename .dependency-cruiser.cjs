/**
 * The floors of src/ (README, "Layout"): an import goes down or sideways, never up, and never round.
 *   ground    config, errors, log, message, names, catalogue, concurrency, contracts/
 *   shared    integrations, store, policy, commands, jobs, approvals, charts: no capability's words
 *   features  one folder per capability
 *   top       app/ (the tables that list every capability, the process roles), handlers/, cli/, main.ts
 * devstack/ (the stand-ins and the demo) sits beside them: only main.ts loads it.
 */
const GROUND = '^src/(config|errors|log|message|names|catalogue|concurrency)[.]ts$|^src/contracts/';
const SHARED = '^src/(integrations|store|policy|commands|jobs|approvals|charts)/';
const FEATURES = '^src/features/';
const TOP = '^src/(app|handlers|cli)/|^src/main[.]ts$';

module.exports = {
  forbidden: [
    {
      // No circle, type-only imports included.
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/devstack/' },
      to: { circular: true },
    },
    {
      name: 'ground-imports-only-ground',
      severity: 'error',
      from: { path: GROUND },
      to: { path: '^src/', pathNot: GROUND },
    },
    {
      name: 'shared-never-imports-features-or-top',
      severity: 'error',
      from: { path: SHARED, pathNot: '^src/jobs/job[.]ts$' },
      to: { path: `${FEATURES}|${TOP}|^src/devstack/` },
    },
    {
      // The one upward edge: JobDeps names the Store (src/app/store.ts), composed at the top because it
      // lists every capability's repository. An `import type`, erased at run time (verbatimModuleSyntax).
      name: 'jobdeps-imports-nothing-else-from-above',
      severity: 'error',
      from: { path: '^src/jobs/job[.]ts$' },
      to: { path: `${FEATURES}|${TOP}|^src/devstack/`, pathNot: '^src/app/store[.]ts$' },
    },
    {
      name: 'features-never-import-top',
      severity: 'error',
      from: { path: FEATURES },
      to: { path: `${TOP}|^src/devstack/` },
    },
    {
      name: 'only-main-loads-the-devstack',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/devstack/|^src/main[.]ts$' },
      to: { path: '^src/devstack/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|test|bench)/' },
  },
};
