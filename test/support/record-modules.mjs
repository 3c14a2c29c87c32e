// `node --import ./test/support/record-modules.mjs …`: appends the URL of every module the process loads (ES
// modules, and CommonJS packages' entry points reached by import) to the file RECORD_MODULES names, one a line.
// For test/unit/cli-modules.test.ts: which packages a `carbon` command loads, whatever the module system.
import { register } from 'node:module';

register('./record-modules-hooks.mjs', import.meta.url);
