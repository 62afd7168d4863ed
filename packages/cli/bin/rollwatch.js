#!/usr/bin/env node
// Thin launcher: builds the TypeScript workspace on first use (e.g. right after `npm ci`), then runs
// the compiled CLI. Keeps `npx rollwatch ...` working from a fresh clone.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const compiled = join(here, '..', 'dist', 'bin.js');
if (!existsSync(compiled)) {
  const root = join(here, '..', '..', '..');
  process.stderr.write('rollwatch: building the workspace (first run)...\n');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}
await import(pathToFileURL(compiled).href);
