import { test } from "node:test";
import assert from "node:assert/strict";
import { shapeToken, shapeTokens } from "./shape.js";

test("shape: values glued to letters keep the letters; signs after non-alphanumerics belong to the number", () => {
  assert.equal(shapeToken("node-246"), "node-<*>");
  assert.equal(shapeToken("ee0"), "ee<*>");
  assert.equal(shapeToken("SOCKS5"), "SOCKS<*>");
  assert.equal(shapeToken("blk_-1608999687919862906"), "blk_<*>");
  assert.equal(shapeToken("blk_1608999687919862906"), "blk_<*>");
  assert.equal(shapeToken("rdd_42_3"), "rdd_<*>_<*>");
  assert.equal(shapeToken("attempt_1445144423722_0020_m_000000_0"), "<*>", "digits and letters alternating 5+ times: an id");
  assert.equal(shapeToken("rbgnl3e4jdu9v2m"), "<*>", "random ids are one value");
});

test("shape: key=value keeps the key, masks digit values, leaves empty values", () => {
  assert.equal(shapeToken("(HWID=3180)"), "(HWID=<*>)");
  assert.equal(shapeToken("logname="), "logname=");
  assert.equal(shapeToken("user=root"), "user=root");
});

test("shape: value-only tokens are one value, keeping brackets and list separators", () => {
  assert.equal(shapeToken("<*>:<*>"), "<*>");
  assert.equal(shapeToken("(<*>)"), "(<*>)");
  assert.equal(shapeToken("<*>,"), "<*>,");
  assert.equal(shapeToken("<<*>"), "<*>");
});

test("shape: units fold into their value; a bracketed quantity after a value is dropped; id lists collapse", () => {
  assert.deepEqual(shapeTokens(["<*>", "bytes", "(<*>", "KB)", "sent,"]), ["<*>", "sent,"]);
  assert.deepEqual(shapeTokens(["<*>", "bytes", "sent,"]), ["<*>", "sent,"]);
  assert.deepEqual(shapeTokens(["lifetime", "<<*>", "sec"]), ["lifetime", "<*>"]);
  assert.deepEqual(shapeTokens(["delete", "blk_<*>", "blk_<*>", "blk_<*>"]), ["delete", "blk_<*>"]);
  assert.deepEqual(shapeTokens(["a", "<*>", "b"]), ["a", "<*>", "b"], "single letters are not units");
});
