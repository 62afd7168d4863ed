import { LOG_LEVELS, type LogLevel } from '@rollwatch/core';

/** One configured pattern: lines matching `regex` are forwarded with `level`. */
export interface LogPattern {
  level: LogLevel;
  regex: RegExp;
}

export interface LogPatternSpec {
  level: string;
  pattern: string;
  flags?: string;
}

/** Errors first: a line "warning: fatal error" is an error, not a warning. */
export const LOG_LEVEL_PATTERN_DEFAULTS: LogPatternSpec[] = [
  { level: 'error', pattern: '\\b(error|fatal|panic|exception)\\b', flags: 'i' },
  { level: 'warn', pattern: '\\bwarn(ing)?\\b', flags: 'i' },
];

/** Parses INGEST_DOCKER_LOG_PATTERNS (a JSON list of {level, pattern, flags}). */
export function parseLogPatterns(json: string): { ok: true; patterns: LogPattern[] } | { ok: false; error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    return { ok: false, error: `is not JSON: ${(error as Error).message}` };
  }
  if (!Array.isArray(raw)) return { ok: false, error: 'must be a JSON list of {"level","pattern","flags"}' };
  const patterns: LogPattern[] = [];
  for (const [index, item] of raw.entries()) {
    const spec = item as Partial<LogPatternSpec> | null;
    if (!spec || typeof spec !== 'object' || typeof spec.pattern !== 'string' || typeof spec.level !== 'string') {
      return { ok: false, error: `[${index}] needs string fields "level" and "pattern"` };
    }
    if (!(LOG_LEVELS as readonly string[]).includes(spec.level)) {
      return { ok: false, error: `[${index}].level must be one of ${LOG_LEVELS.join(', ')}` };
    }
    // The `g`/`y` flags make RegExp.test stateful (lastIndex), which would skip every other match.
    const flags = (spec.flags ?? '').replace(/[gy]/g, '');
    try {
      patterns.push({ level: spec.level as LogLevel, regex: new RegExp(spec.pattern, flags) });
    } catch (error) {
      return { ok: false, error: `[${index}].pattern is not a valid regex: ${(error as Error).message}` };
    }
  }
  return { ok: true, patterns };
}

/** The level of the first matching pattern, or undefined when the line is not forwarded. */
export function classifyLine(line: string, patterns: readonly LogPattern[]): LogLevel | undefined {
  for (const p of patterns) if (p.regex.test(line)) return p.level;
  return undefined;
}

/**
 * Token bucket: `burst` tokens, refilled at `ratePerSecond`. A crash-looping container that prints
 * a stack trace per request must not flood Kafka, but its first lines are the most useful ones.
 */
export class TokenBucket {
  private tokens: number;
  private lastRefillMs: number;
  /** Lines refused since the bucket was created. */
  suppressed = 0;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.lastRefillMs = nowMs;
  }

  take(nowMs: number): boolean {
    const elapsed = Math.max(0, nowMs - this.lastRefillMs);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.ratePerSecond);
    this.lastRefillMs = nowMs;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.suppressed += 1;
    return false;
  }
}
