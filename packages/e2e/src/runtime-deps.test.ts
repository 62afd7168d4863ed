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

/** The Dockerfile's stages: name (or index) → its instructions, continuation lines joined. */
function dockerStages(text: string): { name: string; lines: string[] }[] {
  const stages: { name: string; lines: string[] }[] = [];
  const joined = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const line of joined) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ name: from[1] ?? String(stages.length), lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

interface RuntimeTreeModule {
  RUNTIME_ROOTS: string[];
  runtimeWorkspaces(root: string): string[];
}
const runtimeTree = async (): Promise<RuntimeTreeModule> => (await import(new URL('scripts/runtime-tree.mjs', `file://${root}`).href)) as RuntimeTreeModule;

test('the runtime workspaces are the services, the CLI and what they depend on, never a test workspace', async () => {
  const { runtimeWorkspaces } = await runtimeTree();
  const keep = runtimeWorkspaces(root);
  for (const dir of ['services/ingest', 'services/detector', 'services/alerts', 'packages/cli', 'packages/core', 'packages/analysis']) assert.ok(keep.includes(dir), dir);
  for (const dir of ['packages/testkit', 'packages/e2e', 'packages/reliability']) assert.ok(!keep.includes(dir), `${dir} must not ship`);
  // Whatever rollwatch workspace npm resolves at runtime is kept (else the image would miss a module).
  const args = ['ls', '--omit=dev', '--all', '--json', ...RUNTIME.flatMap((w) => ['-w', w])];
  const tree = JSON.parse(execFileSync('npm', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as LsNode & { dependencies?: Record<string, LsNode & { resolved?: string }> };
  const all: [string, string][] = [];
  names(tree, [], all);
  const rollwatch = new Set(all.map(([n]) => n).filter((n) => n.startsWith('@rollwatch/')));
  for (const name of rollwatch) {
    const dir = ['packages', 'services'].map((d) => `${d}/${name.slice('@rollwatch/'.length)}`).find((d) => keep.includes(d));
    assert.ok(dir, `${name} is a runtime dependency but not a runtime workspace`);
  }
});

test('the Dockerfile\'s runtime stage holds only the pruned runtime tree', () => {
  const stages = dockerStages(readFileSync(`${root}Dockerfile`, 'utf8'));
  const final = stages.at(-1)!;
  const copies = final.lines.filter((l) => /^COPY\b/i.test(l));
  assert.ok(copies.length > 0);
  for (const copy of copies) {
    // Everything comes from the pruned stage: nothing from the build context or the full build.
    assert.match(copy, /^COPY\s+--from=runtime-tree\s/i, copy);
    const sources = copy.split(/\s+/).slice(2, -1);
    for (const source of sources) assert.match(source, /^\/app\/(package\.json|package-lock\.json|node_modules|packages|services)$/, copy);
  }
  assert.ok(!final.lines.some((l) => /^RUN\b/i.test(l) && /npm (ci|install)/.test(l)), 'the runtime stage installs nothing itself');
  const prune = stages.find((s) => s.name === 'runtime-tree');
  assert.ok(prune, 'a runtime-tree stage');
  const run = prune.lines.filter((l) => /^RUN\b/i.test(l)).join(' && ');
  const treeAt = run.indexOf('node scripts/runtime-tree.mjs');
  const pruneAt = run.search(/npm prune --omit=dev/);
  assert.ok(treeAt >= 0 && pruneAt > treeAt, 'the test workspaces leave the workspace list, then npm prune --omit=dev drops what only they needed');
  assert.ok(!/--dry-run/.test(run));
});
