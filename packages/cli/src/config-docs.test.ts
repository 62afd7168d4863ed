import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allConfigKeys, renderConfigDocs } from './config-docs.js';

const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');

test('the README configuration tables are generated from the current schemas (run `npm run docs:config`)', () => {
  assert.ok(readme.includes(renderConfigDocs()), 'README.md configuration section is stale: run `npm run docs:config`');
});

test('every environment variable a service reads is documented in the README', () => {
  const missing = allConfigKeys().filter((key) => !readme.includes(`\`${key}\``));
  assert.deepEqual(missing, []);
  assert.ok(allConfigKeys().length > 40);
});
