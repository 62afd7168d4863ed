// Masking and grouping on lines in the styles of Loghub sets that are not in this repository
// (OpenStack, OpenSSH, Android, HealthApp, JSON-ish application logs), written from what such logs
// look like. These are unit tests of token shapes and of one grouping rule, not accuracy figures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TemplateMiner } from "./miner.js";
import { messageWord } from "./tree.js";

const shapes = (line: string): string => new TemplateMiner().tokens(line).join(" ");

test("shapes: request ids, UUIDs, addresses with ports and durations become one value each", () => {
  assert.equal(
    shapes('[req-3f2a9c1e-8d4b-4e6f-9a1b-2c3d4e5f6a7b 113d3a99c3da401fbd62cc2caa5b96d2 54fadb412c4e40cdbaed9335e4c35a9e - - -] 10.11.10.1 "GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail HTTP/1.1" status: 200 len: 1893 time: 0.2477829'),
    '[req-<*> <*> <*> - - -] <*> "GET <*> HTTP/<*>" status: <*> len: <*> time: <*>',
  );
  assert.equal(shapes("[instance: b9000564-fe1a-409b-b8cc-1e88b294cd1d] Took 19.84 seconds to spawn"), "[instance: <*>] Took <*> to spawn");
  assert.equal(shapes("connect to 10.0.0.5:8080 failed after 0.2345 sec"), "connect to <*> failed after <*>");
  assert.equal(shapes("peer [2001:db8::1]:443 closed; next=192.168.1.20:8080"), "peer <*> closed; next=<*>");
});

test("shapes: a unit word that ends in ':' or '=' names the next field and is not folded into the value", () => {
  assert.equal(shapes("request done time: 0.123 bytes: 1024"), "request done time: <*> bytes: <*>");
  assert.equal(shapes("sent 1033 bytes (1.00 KB) in 5 ms"), "sent <*> in <*>");
});

test("shapes: quoted values of key=value, key='value' and JSON \"key\": \"value\" pairs are variables", () => {
  assert.equal(shapes('user="bob smith" action=login'), "user=<*> action=login");
  assert.equal(shapes("config key='max conn' value='12' applied"), "config key=<*> value=<*> applied");
  assert.equal(shapes('payload {"user": "alice b", "id": 42, "ok": true} rejected'), 'payload {"user": "<*>", "id": <*>, "ok": true} rejected');
});

test("message words: capitalised and upper-case words, bare or bracketed; not camel-case names or lower-case values", () => {
  for (const w of ["Started", "GET", '"POST', "(Lifecycle", "VM", "Stopped.", "[ERROR]"]) assert.ok(messageWord(w), w);
  for (const w of ["webmaster", "NewsDetailXmlActivity", "SOCKS5", "A", "<*>", "eth0", "com.android.settings"]) assert.ok(!messageWord(w), w);
});

function groups(lines: string[], opts = {}): number[] {
  const m = new TemplateMiner(opts);
  const seqs = lines.map((l) => m.add(l).seq);
  return seqs.map((s) => m.resolveSeq(s));
}

test("grouping: two message words at one position are two events from the first line, values still merge", () => {
  const vm = groups([
    "[instance: b9000564-fe1a-409b-b8cc-1e88b294cd1d] VM Started (Lifecycle Event)",
    "[instance: b9000564-fe1a-409b-b8cc-1e88b294cd1d] VM Stopped (Lifecycle Event)",
    "[instance: 3edec1e4-9678-4a3a-a21b-a145a4ee5e61] VM Started (Lifecycle Event)",
  ]);
  assert.equal(vm[0], vm[2]);
  assert.notEqual(vm[0], vm[1]);
  const http = groups([
    '10.11.10.1 "GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail HTTP/1.1" status: 200 len: 1893 time: 0.2477829',
    '10.11.10.1 "POST /v2/e9746973ac574c6b8a9e8857f56a7608/os-server-external-events HTTP/1.1" status: 200 len: 380 time: 0.0913000',
    '10.11.10.1 "GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail HTTP/1.1" status: 200 len: 1583 time: 0.1912100',
  ]);
  assert.deepEqual([http[0] === http[2], http[0] === http[1]], [true, false]);
  // Lower-case values (user names) are not message words: they merge as before.
  const users = groups(["Invalid user webmaster from 173.234.31.186", "Invalid user admin from 103.99.0.122", "Invalid user test9 from 52.80.34.196"]);
  assert.equal(new Set(users).size, 1);
  // Turned off, the first "VM Stopped" line merges into "VM Started" (Drain's behaviour).
  const off = groups(["[instance: x-1] VM Started (Lifecycle Event)", "[instance: x-2] VM Stopped (Lifecycle Event)"], { messageWords: false });
  assert.equal(off[0], off[1]);
});

test("grouping: enough different message words at one position still make it a variable (word variety)", () => {
  const g = groups(["Loading module Alpha", "Loading module Bravo", "Loading module Charlie", "Loading module Delta", "Loading module Echo"]);
  assert.equal(new Set(g).size, 1);
});
