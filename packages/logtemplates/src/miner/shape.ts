// Token shapes: the per-token half of masking. The line-level masks (masks.ts) catch values that
// span spaces or have an exact syntax (timestamps, IPs, paths, URLs); what they leave are tokens
// with values glued into them ("node-246", "HWID=3180)", "blk_-1608", "rhost=h64-1-2.example.net",
// "proxy.example.org:5070", "00:02"). Each token is reduced to a shape that keeps its constant
// letters and replaces its value parts by the wildcard, so tokens of one template agree whatever
// their values are, while constants that merely contain a digit ("SOCKS5", "ee0", "alt0") keep
// their letters and stay distinguishable.
import { WILDCARD } from "./masks.js";

const W = WILDCARD;

/** Quick test: does the token contain an ASCII digit? (Tokens without digits are mostly words.) */
function hasDigit(t: string): boolean {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

/** Hex-looking piece with at least one digit and one letter, long enough not to be a word. */
const HEXISH = /^(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{6,}$/i;
/** key=value / key:value with a word-like key; the value may be empty ("logname="). */
const KEY_VALUE = /^([A-Za-z_][\w.-]*?)([=:])(.*)$/s;

/**
 * Units whose number in front is one value: "1033 bytes", "<1 sec", "5 ms", "1.00 KB". Single
 * letters ("s", "b", "m") are left out: after a number they are as often a word of the message.
 */
export const UNIT_WORDS: ReadonlySet<string> = new Set([
  "byte", "bytes", "kb", "kib", "mb", "mib", "gb", "gib", "tb", "tib",
  "ns", "us", "µs", "ms", "msec", "msecs", "sec", "secs", "second", "seconds",
  "min", "mins", "minute", "minutes", "hr", "hrs", "hour", "hours", "day", "days",
  "%", "percent", "mhz", "ghz", "khz", "hz", "kbps", "mbps", "gbps",
]);

/** Replaces digit runs (and hex-ish pieces) inside a token by the wildcard, keeping letters. */
function maskGlued(core: string): string {
  // Split on separators, keep them; a piece that is hex-ish becomes one wildcard, otherwise only
  // its digit runs do ("ee0" -> "ee<*>", "attempt_1445_0020_m_000000_0" -> "attempt_<*>_<*>_m_<*>_<*>").
  // A sign after a non-alphanumeric ("blk_-1608") belongs to the number, so negative and positive
  // ids get one shape; after a letter or digit ("node-246") a dash is a separator.
  let out = "";
  let piece = "";
  const flush = (): void => {
    if (piece === "") return;
    out += HEXISH.test(piece) || RANDOM_ID.test(piece) ? W : piece.replace(/[-+]?\d+/g, W);
    piece = "";
  };
  for (let i = 0; i < core.length; i++) {
    const ch = core[i] as string;
    if (WORD_CHAR.test(ch)) piece += ch;
    else if ((ch === "-" || ch === "+") && DIGIT.test(core[i + 1] ?? "") && !ALNUM.test(core[i - 1] ?? "")) piece += ch;
    else {
      flush();
      out += ch;
    }
  }
  flush();
  return out;
}

const WORD_CHAR = /\w/;
/** Letters and digits alternating five or more times ("rbgnl3e4jdu9v"): a random id, not a name. */
const RANDOM_ID = /^(?:[A-Za-z_]*\d+[A-Za-z_]+\d+[A-Za-z_]+\d|\d+[A-Za-z_]+\d+[A-Za-z_]+\d+[A-Za-z_])/;
const DIGIT = /\d/;
const ALNUM = /[A-Za-z0-9]/;

/** True when the token is wildcards and punctuation only ("<*>:<*>", "(<*>)", "<<*>", "#<*>"). */
function valueOnly(t: string): boolean {
  let found = false;
  for (let i = 0; i < t.length; i++) {
    if (t.startsWith(W, i)) {
      found = true;
      i += W.length - 1;
      continue;
    }
    const c = t.charCodeAt(i) | 32; // lower-cased ASCII letter test
    if (c >= 97 && c <= 122) return false;
  }
  return found;
}

/** Shape of one whitespace token (see the file comment). */
export function shapeToken(tok: string): string {
  if (tok === W) return tok;
  if (!hasDigit(tok)) return tok.includes(W) && valueOnly(tok) ? valueToken(tok) : tok;
  const { lead, core, tail } = stripPunct(tok);
  if (core === "") return tok;
  const kv = KEY_VALUE.exec(core);
  if (kv) {
    const value = kv[3] as string;
    const shaped = maskGlued(value);
    return `${lead}${maskGlued(kv[1] as string)}${kv[2]}${value === "" ? "" : valueOnly(shaped) ? W : shaped}${tail}`;
  }
  const glued = maskGlued(core);
  return valueOnly(glued) ? valueToken(tok) : lead + glued + tail;
}

/**
 * A value-only token becomes one wildcard. Enclosing brackets and a list separator after it are
 * kept ("(<*>)", "<*>,"): "from <*> (<*>)" and "from <*> ()" are one event, and keeping the
 * brackets keeps their token counts equal.
 */
function valueToken(t: string): string {
  const open = /^["'`]?[([{]?["'`]?/.exec(t)?.[0] ?? "";
  const close = /["'`]?[)\]}]?["'`]?[,;]?$/.exec(t)?.[0] ?? "";
  return open + W + close;
}

function stripPunct(tok: string): { lead: string; core: string; tail: string } {
  let a = 0;
  let b = tok.length;
  while (a < b && "([{<\"'`".includes(tok[a] as string)) a++;
  while (b > a && ")]}>\"'`,;.:!?".includes(tok[b - 1] as string)) b--;
  return { lead: tok.slice(0, a), core: tok.slice(a, b), tail: tok.slice(b) };
}

const isUnit = (bare: string): boolean => UNIT_WORDS.has(bare.toLowerCase());

let longestUnit = 0;
for (const u of UNIT_WORDS) longestUnit = Math.max(longestUnit, u.length);

/** Cheap exact pre-check for the folds: a unit word starts with a letter, "%" or "µ" and is short. */
function mayBeUnit(s: string): boolean {
  const c = s.charCodeAt(0) | 32;
  if (!((c >= 97 && c <= 122) || c === 37 || c === 0xb5)) return false;
  if (s.length <= longestUnit) return true;
  let end = s.length;
  while (end > 0 && ",;:.)]}".includes(s[end - 1] as string)) end--;
  return end <= longestUnit;
}

/**
 * Shapes all tokens, then folds what belongs to one value:
 * - a value and its unit word ("1033 bytes", "<1 sec", "5 ms") -> one wildcard;
 * - repeated id tokens ("blk_<*> blk_<*> blk_<*>") -> one, so such lists of any length share
 *   a template;
 * - a bracketed quantity right after a value ("1033 bytes (1.00 KB) sent") restates it and is
 *   dropped, so the line matches "678 bytes sent" (optional parenthesised parts).
 */
export function shapeTokens(tokens: readonly string[]): string[] {
  return foldTokens(tokens.map(shapeToken));
}

/** The cross-token half of shapeTokens, over already shaped tokens. */
export function foldTokens(shaped: readonly string[]): string[] {
  return foldTokensInPlace(shaped.slice());
}

/** foldTokens on an array the caller owns: folded in place (no second array per line), returned. */
export function foldTokensInPlace(tokens: string[]): string[] {
  let n = 0; // tokens[0, n) is the folded output; reading index r >= n, so nothing unread is overwritten
  for (let r = 0; r < tokens.length; r++) {
    const s = tokens[r] as string;
    const prev = n > 0 ? tokens[n - 1] : undefined;
    // Only a value (or an opened bracketed value) before this token can start a fold.
    if (prev === W || prev === OPEN_PAREN_VALUE || prev === OPEN_BRACKET_VALUE) {
      if (mayBeUnit(s)) {
        const bare = s.replace(TRAILING_PUNCT, "");
        const tail = s.slice(bare.length).replace(/\.$/, "");
        // "bytes:" / "ms=" after a value names the next field; it is not the value's unit.
        if (prev === W && isUnit(bare) && !KEY_END.test(s)) {
          tokens[n - 1] = W + tail.replace(/^[)\]}]+/, "");
          continue;
        }
        if (prev !== W && isUnit(bare) && /^[)\]}]/.test(tail)) {
          // "(1.00 KB)": a quantity in brackets; after a value it restates that value.
          if (n >= 2 && (tokens[n - 2] === W || tokens[n - 2] === W + ",")) n--;
          else tokens[n - 1] = prev + tail;
          continue;
        }
      }
    } else if (s === prev && s.includes(W)) continue;
    tokens[n++] = s;
  }
  tokens.length = n;
  return tokens;
}

const TRAILING_PUNCT = /[,;:.)\]}]+$/;
const KEY_END = /[:=]$/;
const OPEN_PAREN_VALUE = "(" + W;
const OPEN_BRACKET_VALUE = "[" + W;

/** Constant letters of a token: what is left without wildcards, digits and punctuation. */
export function constantLetters(t: string): string {
  return t.split(W).join("").replace(/[^A-Za-z]/g, "");
}
