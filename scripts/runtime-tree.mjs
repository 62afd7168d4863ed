#!/usr/bin/env node
// Reduces a built checkout to what production runs (the Dockerfile's prune stage):
//
//   node scripts/runtime-tree.mjs [--dry-run] && npm prune --omit=dev --ignore-scripts
//
// The runtime workspaces are the services and the CLI plus every workspace they depend on through
// `dependencies` (never devDependencies). Every other workspace (the test kit, e2e, reliability)
// leaves the root `workspaces` list and its folder is deleted, so the `npm prune` that follows drops
// it and everything only it needed (testcontainers, ssh2, archiver, fast-check). Prints the list.
// --dry-run prints the list and changes nothing. Exported for the test that checks the Dockerfile.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What a production image runs: the three services and the CLI (`rollwatch start`, `gate`, ...). */
export const RUNTIME_ROOTS = ['@rollwatch/ingest', '@rollwatch/detector', '@rollwatch/alerts', '@rollwatch/cli'];

/** Every workspace folder (relative) with its package.json, from the root's `workspaces` globs (`dir/*` only). */
export function workspaces(root) {
  const rootPkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const out = new Map();
  for (const pattern of rootPkg.workspaces ?? []) {
    const dirs = pattern.endsWith('/*') ? readdirSync(path.join(root, pattern.slice(0, -2))).map((d) => `${pattern.slice(0, -2)}/${d}`) : [pattern];
    for (const dir of dirs) {
      const file = path.join(root, dir, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      out.set(pkg.name, { dir, pkg });
    }
  }
  return out;
}

/** The runtime roots and the workspaces they reach through `dependencies`, as folders, sorted. */
export function runtimeWorkspaces(root) {
  const all = workspaces(root);
  const keep = new Set();
  const visit = (name) => {
    const ws = all.get(name);
    if (!ws || keep.has(ws.dir)) return;
    keep.add(ws.dir);
    for (const dep of Object.keys(ws.pkg.dependencies ?? {})) visit(dep);
  };
  for (const name of RUNTIME_ROOTS) {
    if (!all.has(name)) throw new Error(`runtime workspace ${name} not found`);
    visit(name);
  }
  return [...keep].sort();
}

function main() {
  const root = process.cwd();
  const keep = runtimeWorkspaces(root);
  const drop = [...workspaces(root).values()].map((w) => w.dir).filter((dir) => !keep.includes(dir));
  console.log(`runtime workspaces: ${keep.join(' ')}\ndropped: ${drop.join(' ') || '(none)'}`);
  if (process.argv.includes('--dry-run')) return;
  const file = path.join(root, 'package.json');
  const rootPkg = JSON.parse(readFileSync(file, 'utf8'));
  rootPkg.workspaces = keep;
  writeFileSync(file, `${JSON.stringify(rootPkg, null, 2)}\n`);
  for (const dir of drop) rmSync(path.join(root, dir), { recursive: true, force: true });
}

if (import.meta.url === pathToFileURL(fileURLToPath(import.meta.url)).href && process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) main();
