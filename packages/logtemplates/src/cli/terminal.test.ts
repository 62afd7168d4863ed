import { test } from "node:test";
import assert from "node:assert/strict";
import { forTerminal } from "./terminal.js";

test("forTerminal: strips CSI, OSC and 2-byte escapes, shows other controls as ?", () => {
  assert.equal(forTerminal("a\u001b[31mred\u001b[0m b"), "ared b");
  assert.equal(forTerminal("x\u001b]0;title\u0007y"), "xy");
  assert.equal(forTerminal("x\u001b]8;;http://e\u001b\\link\u001b]8;;\u001b\\y"), "xlinky");
  assert.equal(forTerminal("bell\u0007 cr\r del\u007f c1\u009b2J"), "bell? cr? del? c1");
  assert.equal(forTerminal("tab\tkept, plain text unchanged"), "tab\tkept, plain text unchanged");
});
