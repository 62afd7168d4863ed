import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
/** Test tooling that must never be a runtime dependency of what runs in production. */
const TEST_TOOLS = /^(@rollwatch\/testkit|testcontainers|@testcontainers\/.*|archiver|playwright.*|fast-check)$/;
/** The workspaces a production install runs: the three services and the CLI (`rollwatch start`). */
const RUNTIME = ['@rollwatch/ingest', '@rollwatch/detector', '@rollwatch/alerts', '@rollwatch/cli'];

interface LsNode {
  dependencies?: Record<string, LsNode>;
}

function names(node: LsNode, path: string[], out: [string, string][]): void {
  for (const [name, child] of Object.entries(node.dependencies ?? {})) {
    out.push([name, [...path, name].join(' > ')]);
    if (!path.includes(name)) names(child, [...path, name], out);
  }
}

test('npm ls --omit=dev of the runtime workspaces lists no test tool', () => {
  const args = ['ls', '--omit=dev', '--all', '--json', ...RUNTIME.flatMap((w) => ['-w', w])];
  const tree = JSON.parse(execFileSync('npm', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as LsNode;
  const all: [string, string][] = [];
  names(tree, [], all);
  assert.ok(all.some(([n]) => n === 'kafkajs'), 'the tree was read (kafkajs is a runtime dependency)');
  const offenders = all.filter(([n]) => TEST_TOOLS.test(n)).map(([, where]) => where);
  assert.deepEqual(offenders, []);
});

test('no rollwatch package declares test tools or @types/* as runtime dependencies', () => {
  const offenders: string[] = [];
  for (const dir of ['packages', 'services']) {
    for (const name of readdirSync(`${root}${dir}`)) {
      let pkg: { name: string; dependencies?: Record<string, string> };
      try {
        pkg = JSON.parse(readFileSync(`${root}${dir}/${name}/package.json`, 'utf8')) as typeof pkg;
      } catch {
        continue;
      }
      if (pkg.name === '@rollwatch/testkit') continue; // the test tool itself
      for (const dep of Object.keys(pkg.dependencies ?? {})) if (TEST_TOOLS.test(dep) || dep.startsWith('@types/')) offenders.push(`${pkg.name}: ${dep}`);
    }
  }
  assert.deepEqual(offenders, []);
});
