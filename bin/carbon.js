#!/usr/bin/env node
// The `carbon` CLI. In a checkout it runs the TypeScript sources through tsx; a built image has only dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source);
} else {
  await import('../dist/main.js');
}
