import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const TEST_TOOLS = /^(@rollwatch\/testkit|@rollwatch\/e2e|@rollwatch\/reliability|testcontainers|@testcontainers\/.*|archiver|fast-check|typescript|eslint|vite)$/;

/**
 * The Dockerfile's runtime-tree stage, run for real on a copy of this built checkout (no Docker
 * daemon needed): `node scripts/runtime-tree.mjs && npm prune --omit=dev`. What is left must hold no
 * test workspace and no test or build tool, and every service and the CLI must still load from it.
 */
test('the runtime tree of the image: no test workspace or tool, and the services and CLI still load', { timeout: 300_000 }, () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'rollwatch-runtime-tree-'));
  try {
    for (const entry of ['package.json', 'package-lock.json', 'node_modules', 'packages', 'services']) {
      cpSync(path.join(root, entry), path.join(scratch, entry), { recursive: true, verbatimSymlinks: true });
    }
    const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: scratch, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
    console.log(`# ${run(process.execPath, [path.join(root, 'scripts', 'runtime-tree.mjs')]).trim().replace(/\n/g, '; ')}`);
    run('npm', ['prune', '--omit=dev', '--ignore-scripts', '--offline', '--no-audit', '--no-fund']);
    for (const dir of ['packages/testkit', 'packages/e2e', 'packages/reliability']) assert.ok(!existsSync(path.join(scratch, dir)), `${dir} removed`);

    const present: string[] = [];
    for (const entry of readdirSync(path.join(scratch, 'node_modules'))) {
      if (!entry.startsWith('@')) present.push(entry);
      else for (const sub of readdirSync(path.join(scratch, 'node_modules', entry))) present.push(`${entry}/${sub}`);
    }
    assert.ok(present.includes('kafkajs'), 'runtime dependencies stay');
    assert.deepEqual(present.filter((n) => TEST_TOOLS.test(n)), []);

    const tree = JSON.parse(run('npm', ['ls', '--omit=dev', '--all', '--json'])) as { dependencies?: Record<string, unknown>; problems?: string[] };
    assert.deepEqual(tree.problems ?? [], [], 'npm ls finds the pruned tree consistent');

    // Every entry point resolves all its imports from the pruned tree.
    for (const entry of ['services/ingest/dist/index.js', 'services/detector/dist/index.js', 'services/alerts/dist/index.js', 'packages/cli/dist/index.js']) {
      run(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(path.join(scratch, entry))});`]);
    }
    assert.match(run(process.execPath, [path.join(scratch, 'packages/cli/dist/bin.js'), '--help']), /rollwatch start/);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
