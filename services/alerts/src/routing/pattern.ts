/**
 * A name pattern used by routes and silences: `/regex/flags` is a regular expression, anything else a
 * glob where `*` matches any run of characters and `?` one character (anchored at both ends).
 */
export type NamePattern = (value: string) => boolean;

const REGEX_LITERAL = /^\/(.+)\/([imsu]*)$/;

/** Throws a SyntaxError naming the problem when a `/regex/` does not compile. */
export function compilePattern(pattern: string): NamePattern {
  const literal = REGEX_LITERAL.exec(pattern);
  if (literal) {
    const regex = new RegExp(literal[1]!, literal[2]);
    return (value) => regex.test(value);
  }
  if (!/[*?]/.test(pattern)) return (value) => value === pattern;
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const glob = new RegExp(`^${source}$`, 's');
  return (value) => glob.test(value);
}

/** Validation helper for zod refinements: undefined when valid, else the compile error. */
export function patternError(pattern: string): string | undefined {
  try {
    compilePattern(pattern);
    return undefined;
  } catch (error) {
    return `is not a valid pattern: ${(error as Error).message}`;
  }
}
