// Format-level preprocessing that runs before masking: pull the message out of JSON lines, strip
// fixed-format headers (klog) and normalise access-log lines. These formats are fixed, so a regex
// is exact where a similarity-based miner would only approximate.

export const DEFAULT_JSON_MESSAGE_KEYS: readonly string[] = ["msg", "message", "log", "MESSAGE", "text"];

export interface PreprocessOptions {
  /** Keys tried in order when a line is a JSON object; empty disables JSON extraction. */
  jsonMessageKeys: readonly string[];
  /** Strip the klog header `I0102 15:04:05.123456   12345 file.go:123] `. */
  stripKlogHeader: boolean;
  /** Strip the syslog/journal "timestamp host " prefix and the kernel uptime "[ 12.345678] ". */
  stripSyslogHeader: boolean;
  /** Rewrite Common/Combined Log Format lines (see normaliseAccessLog). */
  normaliseAccessLog: boolean;
  /** Lines longer than this are cut before mining, bounding per-line work and memory. */
  maxLineLength: number;
}

function startsWithBrace(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 123) return true;
    if (c !== 32 && c !== 9) return false;
  }
  return false;
}

/** Returns the message text of a JSON object line, or undefined if it is not one. */
export function extractJsonMessage(line: string, keys: readonly string[]): string | undefined {
  if (keys.length === 0 || !startsWithBrace(line)) return undefined; // cheap gate
  const t = line.trim();
  if (keys.length === 0 || t[0] !== "{" || t[t.length - 1] !== "}") return undefined;
  let obj: unknown;
  try {
    obj = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return undefined;
  const rec = obj as Record<string, unknown>;
  for (const k of keys) {
    const v = rec[k];
    if (typeof v === "string") return v;
  }
  return undefined;
}

// klog: Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg
const KLOG_HEADER = /^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d{6}\s+\d+ [^\s\]]+:\d+\] ?/;

export function stripKlog(line: string): string {
  const c = line.charCodeAt(1);
  if (!"IWEF".includes(line[0] ?? "") || c < 48 || c > 57) return line; // cheap gate for the regex
  return line.replace(KLOG_HEADER, "");
}

// "May 14 09:30:01 host " or "2024-05-14T09:30:01.123+00:00 host " (RFC 3164/5424-ish, journal
// short formats), optionally preceded by a <PRI>. Only stripped when a "prog[pid]: " or "prog: "
// follows, so a message that merely starts with a date is left alone. The header would otherwise
// occupy the first tree layers (which should hold the program and first message words) and make
// every line of one host look 40% similar.
const SYSLOG_HEADER =
  /^(?:<\d{1,3}>)?(?:[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?) \S+ (?=[\w./@-]+(?:\[\d+\])?: )/;
const KERNEL_UPTIME = /^kernel: \[\s*\d+\.\d+\] /;

export function stripSyslog(line: string): string {
  return stripSyslogTagged(line).text;
}

/** Like stripSyslog, also telling whether a header was found (then the text starts with the tag). */
function stripSyslogTagged(line: string): { text: string; tagged: boolean } {
  // Cheap gate: a header starts with "<", a month name (capital) or a year (digit).
  const c = line.charCodeAt(0);
  if (!(c === 60 || (c >= 65 && c <= 90) || (c >= 48 && c <= 57))) return { text: line, tagged: false };
  const rest = line.replace(SYSLOG_HEADER, "");
  if (rest === line) return { text: line, tagged: false };
  return { text: rest.replace(KERNEL_UPTIME, "kernel: "), tagged: true };
}

// host ident user [time] "request" status bytes ["referer" "user-agent"]
const ACCESS_LOG =
  /^(\S+) (\S+) (\S+) \[([^\]]+)\] "(\S+) (\S+)(?: (\S+))?" (\d{3}) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(.*)$/;

/**
 * Access-log lines are fully structured. The method is masked (a field of the format). The
 * referer and user-agent are free text whose token count varies ("curl/8.0" vs a 14-token browser string); a token-count-keyed tree would split one
 * event type per user-agent length, so both are collapsed to one wildcard here. Everything else is
 * left to the masks (IP, timestamp, path, numbers), so the template still shows the line's shape.
 */
export function normaliseAccessLog(line: string): string | undefined {
  if (!line.includes('] "')) return undefined; // cheap gate for the regex
  const m = ACCESS_LOG.exec(line);
  if (!m) return undefined;
  const [, host, ident, user, time, , target, proto, status, bytes, referer, agent, rest] = m;
  // The method is a field of the format, like the status: one template for all methods, which
  // also keeps "GET"/"POST" from being held apart as two message words (tree.ts blocksMerge).
  const req = proto === undefined ? `<*> ${target}` : `<*> ${target} ${proto}`;
  const browser = referer === undefined || agent === undefined ? "" : ' "<*>" "<*>"';
  return `${host} ${ident} ${user} [${time}] "${req}" ${status} ${bytes}${browser}${rest ?? ""}`;
}

export interface Preprocessed {
  /** Message text, still unmasked. */
  text: string;
  /**
   * True when the text starts with a syslog tag ("sshd[123]:"). The miner then routes on one more
   * leading token, so the tree still branches on the first message word: lines of one program
   * otherwise all share their first routing token and "Started X." would merge with "Stopping X...".
   */
  tagged: boolean;
}

/** The full preprocessing step. */
export function preprocessMessage(line: string, opts: PreprocessOptions): Preprocessed {
  let msg = line.length > opts.maxLineLength ? line.slice(0, opts.maxLineLength) : line;
  if (msg.endsWith("\r")) msg = msg.slice(0, -1);
  const fromJson = extractJsonMessage(msg, opts.jsonMessageKeys);
  if (fromJson !== undefined) msg = fromJson;
  if (opts.stripKlogHeader) msg = stripKlog(msg);
  let tagged = false;
  if (opts.stripSyslogHeader) ({ text: msg, tagged } = stripSyslogTagged(msg));
  if (opts.normaliseAccessLog) msg = normaliseAccessLog(msg) ?? msg;
  return { text: msg, tagged };
}

/** Preprocessed text only (unmasked). */
export function preprocess(line: string, opts: PreprocessOptions): string {
  return preprocessMessage(line, opts).text;
}

/** Whitespace tokenisation plus optional extra delimiters (replaced by spaces first). */
export function tokenize(text: string, extraDelimiters: readonly string[] = []): string[] {
  let t = text;
  for (const d of extraDelimiters) t = t.split(d).join(" ");
  // Fast path: one scan splitting on ASCII whitespace; the regex split only for other Unicode spaces.
  const out: string[] = [];
  let from = -1;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) {
      if (from >= 0) out.push(t.slice(from, i));
      from = -1;
    } else if (c > 127 && UNICODE_SPACE.test(t[i] as string)) {
      return splitRegex(t);
    } else if (from < 0) from = i;
  }
  if (from >= 0) out.push(t.slice(from));
  return out;
}

const UNICODE_SPACE = /\s/;

function splitRegex(t: string): string[] {
  const out = t.split(/\s+/);
  // split leaves "" at the ends when the text starts/ends with whitespace
  if (out.length > 0 && out[0] === "") out.shift();
  if (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}
