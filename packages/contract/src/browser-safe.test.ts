// The contract is imported by the dashboard's browser bundle: prove it bundles for a browser with no
// Node built-in and no runtime adapter (Kafka, Elasticsearch, HTTP server) behind it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = fileURLToPath(new URL('.', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies?: Record<string, string> };

/** Bundles code for a browser; esbuild refuses (throws) on any import a browser cannot resolve, node:* included. */
async function browserBundle(contents: string): Promise<string> {
  const result = await build({ stdin: { contents, resolveDir: dist, loader: 'js' }, bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
  return result.outputFiles[0]!.text;
}

test('@rollwatch/contract bundles for a browser: no node: import, no Node global', async () => {
  const code = await browserBundle("export * from './index.js';");
  assert.ok(code.includes('rollwatch.events') && code.includes('rollwatch.dlq.message.v1'), 'the bundle holds the contract');
  assert.doesNotMatch(code, /["']node:|\brequire\(|\bBuffer\.|\bprocess\.(env|versions)/);
});

test('@rollwatch/contract/vocabulary (the dashboard filter lists) bundles without zod', async () => {
  const vocabulary = await browserBundle("export * from './schema/vocabulary.js';");
  assert.ok(vocabulary.includes('oom_killed') && vocabulary.includes('baseline'), 'the bundle holds the lists');
  const whole = await browserBundle("export * from './index.js';");
  // The control: the whole contract does carry zod, so the check below can fail.
  assert.match(whole, /ZodError/);
  assert.doesNotMatch(vocabulary, /ZodError|\bzod\b/i);
});

test('the browser check itself rejects a Node built-in (control)', async () => {
  await assert.rejects(browserBundle("import { createHash } from 'node:crypto'; export const h = createHash;"), /node:crypto/);
});

test('the contract depends on zod only: never on an adapter (kafkajs, @elastic/*, express, pino, prom-client)', () => {
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}), ['zod']);
});
