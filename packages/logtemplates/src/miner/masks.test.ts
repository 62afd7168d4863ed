import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_MASKS, maskWith, MASK_NAMES } from "./masks.js";

const all = (s: string): string => maskWith(s, DEFAULT_MASKS);

test("masks: numbers, decimals, sizes, and numbers inside words are left alone", () => {
  assert.equal(maskWith("took 42 retries, 3.5 avg, -7 delta, 12KB 95%", ["number"]), "took <*> retries, <*> avg, <*> delta, <*> <*>");
  assert.equal(maskWith("sha256 v2 http2", ["number"]), "sha256 v2 http2");
});

test("masks: hex literals, long hex ids and MAC addresses", () => {
  assert.equal(maskWith("pc=0x4a2b3c id deadbeef01 mac 00:1a:2b:3c:4d:5e", ["hex"]), "pc=<*> id <*> mac <*>");
  assert.equal(maskWith("word coffee", ["hex"]), "word coffee");
});

test("masks: UUIDs", () => {
  assert.equal(maskWith("session 123e4567-e89b-12d3-a456-426614174000 ok", ["uuid"]), "session <*> ok");
});

test("masks: IPv4 with and without port, not version strings with more dots", () => {
  assert.equal(maskWith("from 10.0.0.1 to 192.168.1.20:8080.", ["ipv4"]), "from <*> to <*>.");
  assert.equal(maskWith("version 1.2.3.4.5", ["ipv4"]), "version 1.2.3.4.5");
});

test("masks: IPv6 bare and bracketed with port, not clock times", () => {
  assert.equal(maskWith("peer 2001:db8::1 and [fe80::1%eth0]:443 and ::1", ["ipv6"]), "peer <*> and <*> and <*>");
  assert.equal(maskWith("at 15:04:05", ["ipv6"]), "at 15:04:05");
});

test("masks: paths (unix, relative, windows) but not HTTP/1.1 or media types", () => {
  assert.equal(maskWith("open /var/log/app.log and ./conf/x.yml", ["path"]), "open <*> and <*>");
  assert.equal(maskWith("GET /api/v1/users/42?x=1 HTTP/1.1 application/json", ["path"]), "GET <*> HTTP/1.1 application/json");
  assert.equal(maskWith("file C:\\Program Files\\app.exe", ["path"]), "file <*> Files\\app.exe");
});

test("masks: URLs and emails", () => {
  assert.equal(maskWith("see https://example.com/a?b=c, mail bob.smith+x@example.co.uk", ["url", "email"]), "see <*> mail <*>");
});

test("masks: timestamps in ISO, syslog, common log, ctime and Go formats", () => {
  assert.equal(all("at 2024-05-14T09:30:01.123Z done"), "at <*> done");
  assert.equal(all("at 2024-05-14 09:30:01,123 done"), "at <*> done");
  assert.equal(all("May  4 09:30:01 host"), "<*> host");
  assert.equal(all("[14/May/2024:09:30:01 +0000]"), "[<*>]");
  assert.equal(all("[Tue May 14 09:30:01.123456 2024]"), "[<*>]");
  assert.equal(all("2024/05/14 09:30:01 starting"), "<*> starting");
});

test("masks: durations", () => {
  assert.equal(maskWith("took 12ms then 1.5s then 3m20s and 250µs", ["duration"]), "took <*> then <*> then <*> and <*>");
});

test("masks: quoted values of key=value pairs, and optional generic quoted strings", () => {
  assert.equal(maskWith('"Synced" key="a b \\"c\\"" n=3', ["quotedValue"]), '"Synced" key=<*> n=3');
  assert.equal(maskWith(`say "hello world" and 'x y'`, ["quoted"]), `say "<*>" and '<*>'`);
  assert.ok(!DEFAULT_MASKS.includes("quoted"));
});

test("masks: qualified calls / stack frame locations", () => {
  assert.equal(maskWith("at com.foo.Bar.baz(Bar.java:42)", ["call"]), "at <*>");
  assert.equal(maskWith("main.(*Server).handle(0xc000123456, {0x1, 0x2})", ["call"]), "<*>");
  assert.equal(maskWith("call foo() now", ["call"]), "call foo() now");
});

test("masks: every mask can be disabled", () => {
  const line = "2024-05-14T09:30:01Z 10.0.0.1 /tmp/x 42 0xff";
  for (const m of MASK_NAMES) {
    const without = maskWith(line, DEFAULT_MASKS.filter((x) => x !== m));
    assert.equal(typeof without, "string");
  }
  assert.equal(maskWith(line, []), line);
});
