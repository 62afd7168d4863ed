/**
 * A name pattern used by routes and silences: `/regex/flags` is a regular expression (routes only:
 * they are operator config), anything else a glob where `*` matches any run of characters and `?`
 * one character (anchored at both ends). Globs run without backtracking: the text between `*`s is
 * matched left to right at its first possible place, so a match costs at most
 * O(value length x pattern length) whatever the pattern (`*a*a*a*a*a*a*a*b` against 100 `a`s took
 * 416 s as a regular expression).
 */
export type NamePattern = (value: string) => boolean;

const REGEX_LITERAL = /^\/(.+)\/([imsu]*)$/;
/** More `*` than this is refused: no real name needs it, and each one is a search. */
export const MAX_GLOB_WILDCARDS = 16;

export interface PatternOptions {
  /** `/regex/` allowed (routes, written by operators); false for silences created over the API. */
  allowRegex?: boolean;
}

/** Throws (a SyntaxError or Error naming the problem) when the pattern is not acceptable. */
export function compilePattern(pattern: string, options: PatternOptions = {}): NamePattern {
  const literal = REGEX_LITERAL.exec(pattern);
  if (literal) {
    if (options.allowRegex === false) throw new Error('regular expressions are not allowed here; use a glob (* and ?)');
    const regex = new RegExp(literal[1]!, literal[2]);
    return (value) => regex.test(value);
  }
  if (!/[*?]/.test(pattern)) return (value) => value === pattern;
  return compileGlob(pattern);
}

/** Index of the first place at or after `from` where `segment` (with `?` = any one char) matches `value`, or -1. */
function find(value: string, segment: string, from: number): number {
  if (!segment.includes('?')) return value.indexOf(segment, from);
  for (let i = from; i + segment.length <= value.length; i++) if (matchAt(value, segment, i)) return i;
  return -1;
}

function matchAt(value: string, segment: string, at: number): boolean {
  if (at < 0 || at + segment.length > value.length) return false;
  for (let j = 0; j < segment.length; j++) {
    const c = segment[j]!;
    if (c !== '?' && c !== value[at + j]) return false;
  }
  return true;
}

function compileGlob(pattern: string): NamePattern {
  const parts = pattern.split('*');
  if (parts.length - 1 > MAX_GLOB_WILDCARDS) throw new Error(`a glob may use at most ${MAX_GLOB_WILDCARDS} "*" wildcards`);
  const head = parts[0]!;
  const tail = parts.length > 1 ? parts[parts.length - 1]! : '';
  const middle = parts.slice(1, -1).filter((p) => p.length > 0);
  if (parts.length === 1) return (value) => value.length === pattern.length && matchAt(value, pattern, 0);
  return (value) => {
    // Anchored ends first; then each middle part at its leftmost place after the previous one
    // (leftmost is always safe for `*`-separated parts, so nothing is ever retried).
    if (value.length < head.length + tail.length) return false;
    if (!matchAt(value, head, 0) || !matchAt(value, tail, value.length - tail.length)) return false;
    let at = head.length;
    const end = value.length - tail.length;
    for (const part of middle) {
      const found = find(value, part, at);
      if (found === -1 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}

/** Validation helper for zod refinements: undefined when valid, else the compile error. */
export function patternError(pattern: string, options: PatternOptions = {}): string | undefined {
  try {
    compilePattern(pattern, options);
    return undefined;
  } catch (error) {
    return `is not a valid pattern: ${(error as Error).message}`;
  }
}
