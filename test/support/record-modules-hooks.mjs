// The loader hooks of record-modules.mjs (they run on Node's hooks thread). Written synchronously, so that the
// list is complete however the process ends (process.exit included).
import { appendFileSync } from 'node:fs';

export async function load(url, context, nextLoad) {
  appendFileSync(process.env.RECORD_MODULES, `${url}\n`);
  return nextLoad(url, context);
}
