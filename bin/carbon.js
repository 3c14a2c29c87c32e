#!/usr/bin/env node
// The `carbon` CLI: the compiled JavaScript in dist/ (`npm install` builds it; the image ships only dist/). In a
// checkout, a dist/ older than src/ is rebuilt first (bin/fresh-dist.js), so an edit is never run stale.
import { fileURLToPath } from 'node:url';
import { ensureFreshDist } from './fresh-dist.js';

try {
  ensureFreshDist(fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, ''));
} catch (error) {
  console.error(`carbon: ${error.message}`);
  process.exit(1);
}
await import('../dist/main.js');
