import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { digitMaskBaseline, evaluateDataset, groupingAccuracy, runAccuracyReport } from "./accuracy.js";
import { DATASET_FORMATS, generateAllDatasets, parseNdjson, toNdjson } from "../dataset/generate.js";

const DATA_DIR = fileURLToPath(new URL("../../data/labelled/", import.meta.url));

test("groupingAccuracy: perfect, renamed, split and merged partitions", () => {
  assert.equal(groupingAccuracy(["a", "a", "b"], ["x", "x", "y"]), 1);
  assert.equal(groupingAccuracy(["1", "1", "2"], ["x", "x", "y"]), 1); // names do not matter
  assert.equal(groupingAccuracy(["a", "b", "c"], ["x", "x", "y"]), 1 / 3); // x split: both wrong
  assert.equal(groupingAccuracy(["a", "a", "a"], ["x", "x", "y"]), 0); // merged: all wrong
  assert.equal(groupingAccuracy([], []), 1);
  assert.throws(() => groupingAccuracy(["a"], []), RangeError);
});

test("digitMaskBaseline: replaces digit runs only", () => {
  assert.deepEqual(digitMaskBaseline(["took 12ms for user42", "x"]), ["took <*>ms for user<*>", "x"]);
});

test("evaluateDataset: counts templates and scores both methods", () => {
  const records = [
    { line: "user alice logged in", template: "login" },
    { line: "user bob logged in", template: "login" },
    { line: "disk 1 full", template: "disk" },
  ];
  const r = evaluateDataset("tiny", records);
  assert.deepEqual(r, { format: "tiny", lines: 3, templatesTrue: 2, templatesFound: 2, accuracy: 1, baselineAccuracy: 0.3333 });
});

test("dataset: committed files equal the deterministic generator output, >= 150 lines each", async () => {
  const generated = generateAllDatasets();
  assert.ok(DATASET_FORMATS.length >= 7);
  for (const ds of generated) {
    const text = await readFile(`${DATA_DIR}${ds.format}.ndjson`, "utf8");
    assert.equal(text, toNdjson(ds.records), `${ds.format}.ndjson is stale: regenerate with dist/dataset/generate.js`);
    assert.ok(parseNdjson(text).length >= 150);
  }
});

test("accuracy: miner averages >= 0.93 on the committed dataset and beats the digit-masking baseline", async () => {
  const datasets = await Promise.all(
    DATASET_FORMATS.map(async (format) => ({ format, records: parseNdjson(await readFile(`${DATA_DIR}${format}.ndjson`, "utf8")) })),
  );
  const report = runAccuracyReport(datasets);
  assert.ok(report.averageAccuracy >= 0.93, JSON.stringify(report));
  assert.ok(report.averageAccuracy > report.averageBaselineAccuracy + 0.3, JSON.stringify(report));
  for (const f of report.formats) assert.ok(f.accuracy >= f.baselineAccuracy, f.format);
});
