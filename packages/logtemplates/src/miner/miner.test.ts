import { test } from "node:test";
import assert from "node:assert/strict";
import { TemplateMiner } from "./miner.js";
import { DEFAULT_MINER_OPTIONS, resolveOptions } from "./options.js";
import { extractParameters } from "./params.js";
import fc from "fast-check";
import { applyGated, compileMaskPlan } from "./masks.js";
import { foldTokens, shapeToken } from "./shape.js";
import { tokenize } from "./preprocess.js";

test("miner: same-length messages differing in a variable merge into one template", () => {
  const m = new TemplateMiner();
  const a = m.add("user alice logged in");
  assert.equal(a.changed, true);
  const b = m.add("user bob logged in");
  assert.equal(b.templateId, a.templateId);
  assert.equal(b.template, "user <*> logged in");
  assert.equal(b.changed, true);
  assert.equal(m.add("user carol logged in").changed, false);
  assert.equal(m.templates()[0]?.count, 3);
});

test("miner: different token counts never share a template (token-count layer)", () => {
  const m = new TemplateMiner();
  const a = m.add("connection closed");
  const b = m.add("connection closed by peer");
  assert.notEqual(a.templateId, b.templateId);
});

test("miner: different first tokens go to different branches", () => {
  const m = new TemplateMiner();
  const a = m.add("Started nginx service now");
  const b = m.add("Stopped nginx service now");
  assert.notEqual(a.templateId, b.templateId);
});

test("miner: first tokens with digits share the wildcard branch", () => {
  const m = new TemplateMiner({ masks: [] });
  const a = m.add("worker7 finished job fast");
  const b = m.add("worker9 finished job fast");
  assert.equal(a.templateId, b.templateId);
  assert.equal(b.template, "<*> finished job fast");
});

test("miner: below the similarity threshold a new cluster is created", () => {
  const m = new TemplateMiner({ simThreshold: 0.9 });
  const a = m.add("disk sda is almost full");
  const b = m.add("disk sdb is almost empty");
  assert.notEqual(a.templateId, b.templateId);
});

test("miner: maxChildren overflow routes new first tokens to the wildcard child", () => {
  const m = new TemplateMiner({ maxChildren: 2, masks: [] });
  m.add("alpha x y");
  const b = m.add("bravo x y"); // takes the wildcard slot (last free child)
  const c = m.add("charlie x y"); // node full: shares the wildcard child and merges
  assert.equal(b.templateId, c.templateId);
  assert.equal(c.template, "<*> x y");
});

test("miner: masked values make templates without any merging", () => {
  const m = new TemplateMiner();
  const r = m.add("GET /api/v1/users/42 from 10.0.0.1 took 12ms id 123e4567-e89b-12d3-a456-426614174000");
  assert.equal(r.template, "GET <*> from <*> took <*> id <*>");
});

test("miner: ids are stable: same input twice gives the same ids; ids survive generalisation", () => {
  const input = ["a 1 b", "c d e", "a x b", "c d f", "zzz"];
  const run = (): string[] => {
    const m = new TemplateMiner();
    return input.map((l) => m.add(l).templateId);
  };
  const ids = run();
  assert.deepEqual(run(), ids);
  assert.equal(ids[0], ids[2]); // "a <*> b" generalised, id unchanged
  assert.match(ids[0] as string, /^[0-9a-f]{8}-1$/);
});

test("miner: bounded memory: LRU evicts the least recently matched cluster", () => {
  const evicted: string[] = [];
  const m = new TemplateMiner({ maxClusters: 2 });
  m.onEvict = (t) => evicted.push(t.template);
  m.add("alpha one");
  m.add("bravo two");
  m.add("alpha one"); // alpha is now most recent
  m.add("charlie three"); // evicts bravo
  assert.equal(m.size, 2);
  assert.deepEqual(evicted, ["bravo two"]);
  assert.deepEqual(m.templates().map((t) => t.template).sort(), ["alpha one", "charlie three"]);
  assert.equal(m.evictions, 1);
  // The evicted template comes back as a new cluster with a new id.
  const again = m.add("bravo two");
  assert.match(again.templateId, /-4$/);
});

test("miner: examples are capped in number and length", () => {
  const m = new TemplateMiner({ maxExamples: 2, maxExampleLength: 10 });
  for (let i = 0; i < 5; i++) m.add(`request ${i} done ${"x".repeat(20)}`);
  const t = m.templates()[0];
  assert.equal(t?.examples.length, 2);
  assert.equal(t?.firstExample, "request 0 ");
});

test("miner: match() is read-only and requires all constant tokens", () => {
  const m = new TemplateMiner();
  m.add("user alice logged in");
  m.add("user bob logged in");
  assert.equal(m.match("user carol logged in")?.template, "user <*> logged in");
  assert.equal(m.match("user carol logged out"), undefined);
  assert.equal(m.templates()[0]?.count, 2);
});

test("miner: JSON lines are mined on their message field", () => {
  const m = new TemplateMiner();
  const a = m.add('{"level":"info","msg":"cache miss for key 12","ts":"2024-01-01T00:00:00Z"}');
  const b = m.add('{"message":"cache miss for key 99","level":"warn"}');
  assert.equal(a.templateId, b.templateId);
  assert.equal(b.template, "cache miss for key <*>");
});

test("miner: Java stack frames group as one template, Native Method included", () => {
  const m = new TemplateMiner();
  const ids = new Set(
    [
      "\tat com.foo.Bar.baz(Bar.java:42)",
      "\tat org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:166)",
      "\tat jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)",
    ].map((l) => m.add(l).templateId),
  );
  assert.equal(ids.size, 1);
  assert.equal(m.templates()[0]?.template, "at <*>");
});

test("miner: Go panic goroutine headers and file lines group", () => {
  const m = new TemplateMiner();
  assert.equal(m.add("goroutine 17 [running]:").templateId, m.add("goroutine 3 [syscall]:").templateId);
  const f1 = m.add("\t/app/main.go:42 +0x1d");
  const f2 = m.add("\t/usr/local/go/src/net/http/server.go:3086 +0x5cb");
  assert.equal(f1.templateId, f2.templateId);
  assert.equal(f2.template, "<*> <*>"); // path:line and +offset are each one value
});

test("miner: klog headers do not leak into templates", () => {
  const m = new TemplateMiner();
  m.add("I0102 15:04:05.123456   12345 controller.go:123] Starting endpoint controller");
  const r = m.add("W0103 16:04:05.000001 7 other.go:9] Starting namespace controller");
  assert.equal(r.template, "Starting <*> controller");
});

test("miner: syslog program tag gives one more routing layer", () => {
  const m = new TemplateMiner();
  const a = m.add("May 14 09:30:01 web-01 systemd[1]: Started Docker Application Container Engine.");
  const b = m.add("May 14 09:30:02 web-01 systemd[1]: Stopped Docker Application Container Engine.");
  assert.notEqual(a.templateId, b.templateId);
});

test("miner: empty lines form their own (empty) template", () => {
  const m = new TemplateMiner();
  assert.equal(m.add("").templateId, m.add("   ").templateId);
});

test("options: defaults and validation", () => {
  assert.equal(DEFAULT_MINER_OPTIONS.simThreshold, 0.5);
  assert.equal(DEFAULT_MINER_OPTIONS.maxClusters, 1000);
  assert.throws(() => resolveOptions({ depth: 2 }), RangeError);
  assert.throws(() => resolveOptions({ simThreshold: 1.5 }), RangeError);
  assert.throws(() => resolveOptions({ maxClusters: 0 }), RangeError);
});

test("params: values behind each wildcard, including multi-token masked values", () => {
  assert.deepEqual(extractParameters("user <*> logged in from <*>", "user bob logged in from 10.0.0.1"), ["bob", "10.0.0.1"]);
  assert.deepEqual(extractParameters("<*> starting", "2024/05/14 09:30:01 starting"), ["2024/05/14 09:30:01"]);
  assert.equal(extractParameters("user <*> logged in", "something else"), undefined);
});

test("miner: a rare constant beside a frequent one stays its own template (constant evidence)", () => {
  const m = new TemplateMiner();
  const https = (i: number): string => `proxy${i}.example.org:5070 open through proxy proxy.cse.example.edu:5070 HTTPS`;
  const ids = new Set<string>();
  for (let i = 0; i < 10; i++) ids.add(m.add(https(i)).templateId);
  const socks = m.add("proxy9.example.org:5070 open through proxy proxy.cse.example.edu:5070 SOCKS5");
  assert.equal(ids.size, 1);
  assert.notEqual(socks.templateId, [...ids][0]);
  assert.equal(m.add(https(11)).template, "<*> open through proxy <*> HTTPS", "the big template keeps its constant");
});

test("miner: three spread-out words at one position make a variable; a dominant word with rare siblings does not", () => {
  const users = new TemplateMiner();
  const seqs: number[] = [];
  for (const u of ["cyrus", "cyrus", "cyrus", "cyrus", "cyrus", "news", "news", "news", "news", "news", "test"]) seqs.push(users.add(`session closed for user ${u}`).seq);
  assert.equal(new Set(seqs.map((s) => users.resolveSeq(s))).size, 1);
  assert.equal(users.templates()[0]?.template, "session closed for user <*>");

  const root = new TemplateMiner();
  const line = (u: string): string => `authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.1.2.3 user=${u}`;
  for (let i = 0; i < 30; i++) root.add(line("root"));
  const guest = root.add(line("guest"));
  for (let i = 0; i < 5; i++) root.add(line("guest"));
  const test3 = root.add(line("test"));
  const r = root.add(line("root"));
  assert.equal(new Set([guest.templateId, test3.templateId, r.templateId]).size, 3);
});

test("miner: optional parenthesised quantities and units give one template across token counts", () => {
  const m = new TemplateMiner();
  const a = m.add("chrome.exe - proxy.cse.example.edu:5070 close, 1033 bytes (1.00 KB) sent, 1444 bytes (1.41 KB) received, lifetime 00:01");
  const b = m.add("chrome.exe - proxy.cse.example.edu:5070 close, 403 bytes sent, 426 bytes received, lifetime <1 sec");
  assert.equal(a.templateId, b.templateId);
});

test("miner: shapes cached by digit positions equal the shapes of the tokens themselves", () => {
  const plan = compileMaskPlan(DEFAULT_MINER_OPTIONS.masks);
  // The uncached pipeline: line masks, tokens, per-token masks and shape on the real digits, folding.
  const direct = (line: string): string[] => foldTokens(tokenize(applyGated(line, plan.line)).map((t) => shapeToken(applyGated(t, plan.token))));
  const alphabet = [..."0123456789abcdefxX.:-_=/ABKMGsmh()[],"];
  const token = fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 24 }).map((cs) => cs.join(""));
  fc.assert(
    fc.property(fc.array(token, { minLength: 1, maxLength: 6 }), (tokens) => {
      const m = new TemplateMiner({ constantEvidence: 1 });
      // A cache warmed with other values of the same digit positions must not change the shape.
      for (const t of tokens) m.tokens(t.replace(/[1-9]/g, "7"));
      for (const t of tokens) assert.deepEqual(m.tokens(t), direct(t));
    }),
    { numRuns: 300 },
  );
  for (const t of ["0x1f3a", "10x5", "::ffff:10.0.0.1", "192.168.100.200:8080", "blk_-1608999687919862906", "v2.6.18", "2001:db8::1"]) {
    assert.deepEqual(new TemplateMiner().tokens(t), direct(t), t);
  }
});

test("miner: maxClusters bounds live templates; setMaxClusters lowers (evicting through onEvict) and raises it", () => {
  const words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"];
  const m = new TemplateMiner({ maxClusters: 4 });
  const evicted: string[] = [];
  m.onEvict = (t) => evicted.push(t.template);
  for (const w of words) m.add(`${w} service unreachable`);
  assert.equal(m.size, 4);
  assert.equal(m.evictions, 6);
  assert.deepEqual(evicted.slice(0, 2), ["alpha service unreachable", "bravo service unreachable"]);
  m.setMaxClusters(2);
  assert.equal(m.size, 2);
  assert.equal(m.maxClusters, 2);
  assert.deepEqual(m.templates().map((t) => t.template).sort(), ["india service unreachable", "juliet service unreachable"]);
  m.setMaxClusters(8);
  for (const w of words) m.add(`${w} disk full`);
  assert.equal(m.size, 8);
  assert.throws(() => m.setMaxClusters(0), RangeError);
});
