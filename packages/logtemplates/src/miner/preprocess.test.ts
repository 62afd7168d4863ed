import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_MINER_OPTIONS } from "./options.js";
import { extractJsonMessage, normaliseAccessLog, preprocess, stripKlog, stripSyslog, tokenize } from "./preprocess.js";

const KEYS = DEFAULT_MINER_OPTIONS.jsonMessageKeys;

test("json: message extracted from msg, message, log, MESSAGE and text keys", () => {
  for (const k of ["msg", "message", "log", "MESSAGE", "text"]) {
    assert.equal(extractJsonMessage(JSON.stringify({ level: "info", [k]: "hello 1" }), KEYS), "hello 1");
  }
  assert.equal(extractJsonMessage('{"msg": "first", "message": "second"}', KEYS), "first");
});

test("json: non-objects, arrays, broken JSON and non-string messages are not extracted", () => {
  assert.equal(extractJsonMessage("plain text", KEYS), undefined);
  assert.equal(extractJsonMessage("[1,2]", KEYS), undefined);
  assert.equal(extractJsonMessage('{"msg": "x"', KEYS), undefined);
  assert.equal(extractJsonMessage('{"msg": 5}', KEYS), undefined);
  assert.equal(extractJsonMessage('{"msg": "x"}', []), undefined);
});

test("klog: header stripped, message kept", () => {
  assert.equal(stripKlog("I0102 15:04:05.123456   12345 controller.go:123] Starting workers"), "Starting workers");
  assert.equal(stripKlog("E0102 15:04:05.123456 1 x.go:9] \"Failed\" err=\"boom\""), '"Failed" err="boom"');
  assert.equal(stripKlog("not klog"), "not klog");
});

test("syslog: timestamp and host stripped, program tag and message kept, kernel uptime dropped", () => {
  assert.equal(stripSyslog("May  4 09:30:01 web-01 sshd[123]: Accepted key"), "sshd[123]: Accepted key");
  assert.equal(stripSyslog("May 14 09:30:01 web-01 kernel: [  12.345678] eth0: Link is Down"), "kernel: eth0: Link is Down");
  assert.equal(stripSyslog("May 14 09:30:01 is a date"), "May 14 09:30:01 is a date");
});

test("access log: referer and user agent collapsed, rest kept for masking", () => {
  const line = '1.2.3.4 - - [14/May/2024:09:30:01 +0000] "GET /a HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64)"';
  assert.equal(normaliseAccessLog(line), '1.2.3.4 - - [14/May/2024:09:30:01 +0000] "<*> /a HTTP/1.1" 200 512 "<*>" "<*>"');
  assert.equal(normaliseAccessLog("just text"), undefined);
});

test("preprocess: JSON wrapping a klog line is unwrapped then stripped; long lines are cut", () => {
  const wrapped = JSON.stringify({ log: "I0102 15:04:05.123456 1 a.go:1] hi there\n", stream: "stderr" });
  assert.equal(preprocess(wrapped, DEFAULT_MINER_OPTIONS).trim(), "hi there");
  assert.equal(preprocess("x".repeat(100), { ...DEFAULT_MINER_OPTIONS, maxLineLength: 10 }), "x".repeat(10));
});

test("tokenize: whitespace and extra delimiters", () => {
  assert.deepEqual(tokenize("  a  b\tc "), ["a", "b", "c"]);
  assert.deepEqual(tokenize("k=v,x", ["=", ","]), ["k", "v", "x"]);
  assert.deepEqual(tokenize(""), []);
});
