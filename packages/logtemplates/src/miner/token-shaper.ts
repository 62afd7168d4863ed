// Tokenising and token shaping in one character scan (the miner's hot path). Each whitespace token
// of a (line-masked) message is classified while it is scanned:
// - a number, address or clock time (digits and ".,:+-", ending in a digit) is one wildcard,
//   without creating a string;
// - every other token is looked up in a bounded cache of shapes by a hash computed during the same
//   scan, so a token seen before costs no slice, no regex and no string hashing by V8. The cache
//   also interns the shapes: equal tokens of different lines are the same string object, which
//   makes the tree's and similarity's string comparisons pointer comparisons.
// Tokens with digits are cached by their digit positions ("user=597" and "user=412" share
// "user=555"): apart from the "0" of "0x", no mask or shape rule depends on a digit's value, only
// on where digits are, so the stand-in has the token's shape (a property test checks this).
import { applyGated, WILDCARD, type GatedRules } from "./masks.js";
import { shapeToken } from "./shape.js";

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const FIVE = 53;

// Character classes, one table lookup per character instead of a chain of comparisons.
const SPACE = 1;
const DIGIT = 2;
/** Neither a digit nor one of ". , : + -" (a token of digits and those is a number or address). */
const NOT_NUMERIC = 4;
/** A character some mask or shape rule needs: ":" "." "/" "\" "@" "-" "<" or non-ASCII. */
const SPECIAL = 8;

const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  let k = 0;
  if (c === 32 || (c >= 9 && c <= 13)) k = SPACE;
  else if (c >= 48 && c <= 57) k = DIGIT;
  else {
    if (!".,:+-".includes(String.fromCharCode(c))) k |= NOT_NUMERIC;
    if (':./\\@-<'.includes(String.fromCharCode(c))) k |= SPECIAL;
  }
  ASCII_CLASS[c] = k;
}

/** The rest of JavaScript's \s counts as space: tokens split exactly as text.split(/\s+/) would. */
function nonAsciiClass(c: number): number {
  const space = c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
  return space ? SPACE : NOT_NUMERIC | SPECIAL;
}

/** The token with every digit replaced by "5", except the "0" of "0x" (a hex literal's prefix). */
export function digitsAsFives(t: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57 && c !== FIVE && !(c === 48 && (t.charCodeAt(i + 1) | 32) === 120)) {
      out += t.slice(from, i) + "5";
      from = i + 1;
    }
  }
  return from === 0 ? t : out + t.slice(from);
}

export class TokenShaper {
  private readonly mask: number;
  /**
   * Open-addressing table, three cells per slot: hash (a small integer), key (the token, digits
   * as fives when numbers are masked; undefined when the slot is free) and shape. One array keeps a
   * slot's cells on one cache line: a lookup costs one memory access and the key's comparison.
   */
  private readonly table: (number | string | undefined)[];
  private size = 0;

  /**
   * @param plan per-token masks (masks.ts), run on a cache miss
   * @param shapeDigits whether numbers are masked (then glued digits are shaped too)
   * @param capacity entries kept before the cache is cleared (bounds its memory)
   */
  constructor(
    private readonly plan: readonly GatedRules[],
    private readonly shapeDigits: boolean,
    private readonly capacity = 50_000,
  ) {
    let slots = 1;
    while (slots < capacity * 2) slots <<= 1;
    this.mask = slots - 1;
    this.table = new Array<number | string | undefined>(slots * 3).fill(undefined);
  }

  /** Shapes of the whitespace tokens of `text`. */
  tokens(text: string): string[] {
    const out: string[] = [];
    const n = text.length;
    const norm = this.shapeDigits;
    let i = 0;
    while (i < n) {
      let c = text.charCodeAt(i);
      if ((c < 128 ? ASCII_CLASS[c] as number : nonAsciiClass(c)) & SPACE) {
        i++;
        continue;
      }
      const start = i;
      let h = FNV_OFFSET;
      let seen = 0; // union of the character classes of the token
      for (; i < n; i++) {
        c = text.charCodeAt(i);
        const k = c < 128 ? (ASCII_CLASS[c] as number) : nonAsciiClass(c);
        if (k & SPACE) break;
        seen |= k;
        if (k & DIGIT && norm && !(c === 48 && (text.charCodeAt(i + 1) | 32) === 120)) c = FIVE;
        h = Math.imul(h ^ c, FNV_PRIME);
      }
      // "1.5", "10.0.0.1:80", "12:30", "-5" end up one wildcard through the masks; skip them.
      if (norm && (seen & (DIGIT | NOT_NUMERIC)) === DIGIT && (ASCII_CLASS[text.charCodeAt(i - 1)] as number) & DIGIT) {
        out.push(WILDCARD);
        continue;
      }
      out.push(this.lookup(text, start, i, h & 0x3fffffff, (seen & (DIGIT | SPECIAL)) !== 0));
    }
    return out;
  }

  get cached(): number {
    return this.size;
  }

  private lookup(text: string, start: number, end: number, h: number, needsRules: boolean): string {
    const len = end - start;
    const norm = this.shapeDigits;
    const table = this.table;
    let slot = h & this.mask;
    for (;;) {
      const key = table[slot * 3 + 1] as string | undefined;
      if (key === undefined) break;
      if (table[slot * 3] === h && key.length === len && sameToken(key, text, start, len, norm)) return table[slot * 3 + 2] as string;
      slot = (slot + 1) & this.mask;
    }
    const raw = text.slice(start, end);
    const key = norm ? digitsAsFives(raw) : raw;
    let shape = key;
    if (needsRules) {
      shape = applyGated(key, this.plan);
      // Token shaping masks glued digits; with the number mask disabled, digits stay literal.
      if (norm) shape = shapeToken(shape);
    }
    if (this.size >= this.capacity) {
      table.fill(undefined);
      this.size = 0;
      slot = h & this.mask;
    }
    table[slot * 3] = h;
    table[slot * 3 + 1] = key;
    table[slot * 3 + 2] = shape;
    this.size++;
    return shape;
  }
}

/** key equals text[start, start+len) with digits as fives (when `norm`), as digitsAsFives would. */
function sameToken(key: string, text: string, start: number, len: number, norm: boolean): boolean {
  for (let k = 0; k < len; k++) {
    let c = text.charCodeAt(start + k);
    if (norm && c >= 48 && c <= 57 && !(c === 48 && k + 1 < len && (text.charCodeAt(start + k + 1) | 32) === 120)) c = FIVE;
    if (c !== key.charCodeAt(k)) return false;
  }
  return true;
}
