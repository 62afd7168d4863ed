import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { applyGated, compileMaskPlan, DEFAULT_MASKS } from "./masks.js";
import { tokenize } from "./preprocess.js";
import { shapeToken } from "./shape.js";
import { digitsAsFives, TokenShaper } from "./token-shaper.js";

const plan = compileMaskPlan(DEFAULT_MASKS).token;
/** The uncached reference: split on \s+, then masks and shape on the real token. */
const direct = (text: string): string[] => tokenize(text).map((t) => shapeToken(applyGated(t, plan)));

test("token shaper: equals the uncached pipeline on any whitespace, through cache clears", () => {
  const alphabet = [..."0123456789abfxX.:-_=/AKMs()[],<*>", " ", "  ", "\t", "\u00a0", "\u2003", "\u3000", "é"];
  const line = fc.array(fc.constantFrom(...alphabet), { maxLength: 60 }).map((cs) => cs.join(""));
  // A tiny capacity clears the cache every few tokens; hits and misses must give the same shapes.
  const shaper = new TokenShaper(plan, true, 8);
  fc.assert(
    fc.property(fc.array(line, { minLength: 1, maxLength: 4 }), (lines) => {
      for (const l of lines) assert.deepEqual(shaper.tokens(l), direct(l), JSON.stringify(l));
      for (const l of lines) assert.deepEqual(shaper.tokens(l.replace(/[1-9]/g, "3")), direct(l.replace(/[1-9]/g, "3")));
    }),
    { numRuns: 400 },
  );
});

test("token shaper: repeated tokens come back as the same cached string", () => {
  const shaper = new TokenShaper(plan, true);
  const [a] = shaper.tokens("Connection from 10.0.0.1 closed");
  assert.equal(shaper.cached, 3); // "Connection", "from", "closed"; the address is a wildcard without a lookup
  const [b] = shaper.tokens("Connection reset");
  assert.equal(a, "Connection");
  assert.equal(a, b);
  assert.equal(shaper.cached, 4);
});

test("token shaper: without the number mask, digits stay literal and are not folded by position", () => {
  const shaper = new TokenShaper(compileMaskPlan(DEFAULT_MASKS.filter((m) => m !== "number")).token, false);
  assert.deepEqual(shaper.tokens("retry 12 of 30"), ["retry", "12", "of", "30"]);
  assert.deepEqual(shaper.tokens("retry 45 of 30"), ["retry", "45", "of", "30"]);
});

test("digitsAsFives keeps a 0 before x (the prefix of a hex literal) and nothing else", () => {
  assert.equal(digitsAsFives("user=597 0x1f 10x"), "user=555 0x5f 50x");
});
