import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { templatesCommand, type TemplatesIo } from "./cli.js";

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], opts: { stdin?: string; files?: Record<string, string> } = {}): Promise<Captured> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (d: Buffer) => (stdout += d.toString()));
  err.on("data", (d: Buffer) => (stderr += d.toString()));
  const io: TemplatesIo = { stdin: Readable.from([opts.stdin ?? ""]), stdout: out, stderr: err };
  const files = opts.files;
  if (files) {
    io.readFile = (p: string) => {
      const content = files[p];
      if (content === undefined) throw new Error(`no such test file ${p}`);
      return content;
    };
  }
  const code = await templatesCommand(argv, io);
  return { code, stdout, stderr };
}

const INPUT = ["user alice logged in", "disk /dev/sda1 is full", "user bob logged in", "", "disk /dev/sdb2 is full"].join("\n") + "\n";

test("cli: --json prints exactly one object per input line with the final template", async () => {
  const r = await run(["-", "--json"], { stdin: INPUT });
  assert.equal(r.code, 0);
  const lines = r.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 5);
  const first = JSON.parse(lines[0] as string);
  assert.deepEqual(Object.keys(first), ["line", "templateId", "template"]);
  // Line 1 reports the generalised template, not the one known when it was read.
  assert.equal(lines[0], `{"line":1,"templateId":"${first.templateId}","template":"user <*> logged in"}`);
  const objs = lines.map((l) => JSON.parse(l));
  assert.deepEqual(objs.map((o) => o.line), [1, 2, 3, 4, 5]);
  assert.equal(objs[2].templateId, first.templateId);
  assert.equal(objs[1].templateId, objs[4].templateId);
  assert.equal(objs[1].template, "disk <*> is full");
  assert.equal(objs[3].template, "");
  assert.match(first.templateId, /^[0-9a-f]{8}-1$/);
});

test("cli: same input gives identical --json output (stable ids), file and stdin alike", async () => {
  const dir = await mkdtemp(join(tmpdir(), "logtemplates-"));
  try {
    const file = join(dir, "in.log");
    await writeFile(file, INPUT);
    const fromFile = await run([file, "--json"]);
    const fromStdin = await run(["--json", "-"], { stdin: INPUT });
    assert.equal(fromFile.code, 0);
    assert.equal(fromFile.stdout, fromStdin.stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("cli: table mode lists templates by count with an example, and lines/s on stderr", async () => {
  const r = await run(["-"], { stdin: INPUT + "user carol logged in\n" });
  assert.equal(r.code, 0);
  const rows = r.stdout.split("\n");
  assert.match(rows[0] as string, /COUNT\s+TEMPLATE ID\s+TEMPLATE/);
  assert.match(rows[1] as string, /^\s+3\s+\S+-1\s+user <\*> logged in$/);
  assert.match(rows[2] as string, /e\.g\. user alice logged in/);
  assert.match(r.stderr, /mined 6 lines into 3 templates .* lines\/s\)/);
});

test("cli: diff reports new templates with test and p-value, as one JSON document", async () => {
  const baseline = Array.from({ length: 200 }, (_, i) => `request ${i} served in ${i % 50}ms`).join("\n");
  const canary = [
    ...Array.from({ length: 40 }, (_, i) => `request ${i} served in ${i % 50}ms`),
    ...Array.from({ length: 6 }, (_, i) => `panic: nil map write in handler ${i}`),
  ].join("\n");
  const files = { "base.log": baseline, "canary.log": canary };
  const r = await run(["diff", "base.log", "canary.log", "--json"], { files });
  assert.equal(r.code, 0);
  const d = JSON.parse(r.stdout);
  assert.equal(d.baseline.lines, 200);
  assert.equal(d.canary.lines, 46);
  assert.equal(d.newTemplates.length, 1);
  assert.equal(d.newTemplates[0].template, "panic: nil map write in handler <*>");
  assert.equal(d.newTemplates[0].test, "exact-conditional-binomial-one-sided");
  assert.ok(d.newTemplates[0].pValue < 1e-4);
  assert.equal(d.newTemplates[0].example, "panic: nil map write in handler 0");
  assert.deepEqual(d.rose, []);
  assert.deepEqual(d.gone, []);
  const text = await run(["diff", "base.log", "canary.log"], { files });
  assert.match(text.stdout, /NEW in canary \(1\)/);
  assert.match(text.stdout, /p=\S+/);
});

test("cli: bad arguments exit 2 with a clear message", async () => {
  for (const argv of [[], ["a", "b"], ["--depth", "x", "-"], ["--no-mask", "bogus", "-"], ["--frobnicate", "-"], ["diff", "only-one"], ["--sim-threshold"], ["--sim-threshold", "2", "-"]]) {
    const r = await run(argv);
    assert.equal(r.code, 2, `argv ${JSON.stringify(argv)}`);
    assert.match(r.stderr, /^rollwatch templates: .+\nRun "rollwatch templates --help"/);
    assert.equal(r.stdout, "");
  }
});

test("cli: --help, option forms and unreadable files", async () => {
  const h = await run(["--help"]);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /rollwatch templates diff <baseline-file> <canary-file>/);
  const opts = await run(["-", "--json", "--sim-threshold=0.9", "--depth", "5", "--max-children", "10", "--max-clusters", "1", "--no-mask", "number"], { stdin: "a 1\nb 2\n" });
  assert.equal(opts.code, 0);
  assert.deepEqual(opts.stdout.trimEnd().split("\n").map((l) => JSON.parse(l).template), ["a 1", "b 2"]);
  const missing = await run(["/definitely/not/here.log"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read \/definitely\/not\/here\.log/);
});

test("cli: a line longer than --max-line-length is truncated with a note, not a crash", async () => {
  const huge = "x".repeat(200_000);
  const r = await run(["-", "--json", "--max-line-length", "1000"], { stdin: `short line 1\n${huge}\nshort line 2\n` });
  assert.equal(r.code, 0);
  const rows = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as { line: number; template: string });
  assert.deepEqual(rows.map((x) => x.line), [1, 2, 3]);
  assert.equal(rows[1]?.template.length, 1000);
  assert.match(r.stderr, /note: 1 line\(s\) of stdin longer than 1000 characters were truncated/);
});

test("cli: terminal escape codes in log lines never reach the table output", async () => {
  const evil = "login failed \u001b]0;pwned\u0007for \u001b[2J\u001b[31muser\u001b[0m root\u0007";
  const r = await run(["-"], { stdin: `${evil}\n${evil}\n` });
  assert.equal(r.code, 0);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(r.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  assert.match(r.stdout, /login failed for user root/);
});

test("cli: --json reports the surviving template for lines of clusters merged later", async () => {
  // Three words at one position make it a variable (word variety): the first lines' clusters are
  // merged, and their lines must carry the merged template too.
  const lines = ["session closed for user cyrus", "session closed for user cyrus", "session closed for user cyrus",
    "session closed for user cyrus", "session closed for user cyrus", "session closed for user news",
    "session closed for user news", "session closed for user news", "session closed for user news",
    "session closed for user news", "session closed for user test"];
  const r = await run(["-", "--json"], { stdin: lines.join("\n") + "\n" });
  const rows = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as { templateId: string; template: string });
  assert.equal(new Set(rows.map((x) => x.templateId)).size, 1);
  assert.equal(rows[0]?.template, "session closed for user <*>");
});

test("cli: a reader that goes away (EPIPE) ends --json output quietly", async () => {
  const lines = Array.from({ length: 50_000 }, (_, i) => `user u${i % 7} logged in from 10.0.${i % 200}.${i % 250}`).join("\n");
  let writes = 0;
  // A stdout that accepts one chunk, then fails like a closed pipe.
  const out = new PassThrough({ highWaterMark: 16 });
  out.on("data", () => undefined);
  const origWrite = out.write.bind(out);
  out.write = ((chunk: unknown, ...rest: unknown[]) => {
    writes++;
    if (writes > 1) {
      const e = Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
      process.nextTick(() => out.emit("error", e));
      return false;
    }
    return (origWrite as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof out.write;
  const err = new PassThrough();
  err.resume();
  const code = await templatesCommand(["-", "--json"], { stdin: Readable.from([lines]), stdout: out, stderr: err });
  assert.equal(code, 0);
  assert.equal(writes, 2); // stopped after the failed write instead of writing the remaining ~8 MB
});
