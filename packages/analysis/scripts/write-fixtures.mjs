#!/usr/bin/env node
// Regenerates fixtures/scenarios/*.ndjson and labels.json from the seeded generator (build first:
// `npx tsc -b packages/analysis`). The fixture test checks the committed files still match.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURE_SET, fixtureFile, scenarioToNdjson } from '../dist/scenarios/fixtures.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'scenarios');
mkdirSync(dir, { recursive: true });
const labels = [];
let bytes = 0;
for (const entry of FIXTURE_SET) {
  const { scenario, text } = scenarioToNdjson(entry);
  writeFileSync(join(dir, fixtureFile(entry)), text);
  bytes += text.length;
  labels.push({ file: fixtureFile(entry), seed: entry.seed, ...scenario.label });
}
writeFileSync(join(dir, 'labels.json'), `${JSON.stringify(labels, null, 2)}\n`);
console.log(`wrote ${FIXTURE_SET.length} scenarios (${Math.round(bytes / 1024)} KiB) to ${dir}`);
