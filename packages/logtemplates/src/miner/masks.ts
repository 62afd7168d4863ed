// Preprocessing masks: replace obviously-variable substrings by the wildcard before the Drain tree
// sees the message. Masking is what makes a fixed-depth tree work on real logs: without it, an IP
// or a timestamp in the first tokens would create a new branch per value. Order matters (a URL
// contains a path and numbers, a timestamp contains numbers), so masks run in MASK_NAMES order.
import { isIPv6 } from "node:net";

export const WILDCARD = "<*>";

export const MASK_NAMES = [
  "url",
  "email",
  "uuid",
  "timestamp",
  "call",
  "ipv6",
  "ipv4",
  "host",
  "path",
  "hex",
  "duration",
  "quotedValue",
  "quoted",
  "number",
] as const;
export type MaskName = (typeof MASK_NAMES)[number];

export function isMaskName(s: string): s is MaskName {
  return (MASK_NAMES as readonly string[]).includes(s);
}

/** Masks enabled by default. `quoted` (any "..." string) is off: it would also swallow constant
 * quoted text such as the request line of an access log, which is part of the template. */
export const DEFAULT_MASKS: readonly MaskName[] = MASK_NAMES.filter((m) => m !== "quoted");

type Replacer = (match: string, ...groups: string[]) => string;
interface MaskRule {
  re: RegExp;
  replace: string | Replacer;
  /** Cheap precondition of this rule alone (NEEDS gates the whole mask). */
  need?: (s: string) => boolean;
}

const W = WILDCARD;
const MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";

const RULES: Record<MaskName, MaskRule[]> = {
  url: [{ re: /\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'<>]+/g, replace: W }],
  email: [{ re: /(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, replace: W }],
  uuid: [{ re: /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g, replace: W }],
  // Timestamps may contain spaces (syslog "Jan  2 15:04:05", ctime, common log format); masking
  // them as one wildcard keeps the token count constant, which the tree is keyed on.
  timestamp: [
    {
      re: new RegExp(
        [
          /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?(?![\w:])/.source,
          /\b\d{1,2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2}(?: [+-]\d{4})?/.source,
          `\\b(?:${DAY} )?${MONTH} +\\d{1,2} \\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?: \\d{4})?\\b`,
          /\b\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?/.source,
          /\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b/.source,
        ].join("|"),
        "g",
      ),
      replace: W,
    },
  ],
  // Qualified function calls / stack-frame locations: "com.foo.Bar.baz(Bar.java:42)",
  // "main.(*Server).handle(0xc0001, {0x7f, 0x1})". The frame is a value, not template text, so all
  // frames of a trace collapse into one template ("at <*>") whatever their argument lists are.
  call: [{ re: /(?<![\w.$/])[A-Za-z_$][\w$./<>*()-]*?\.[\w$<>]+\([^()\n]*\)/g, replace: W }],
  // IPv6 candidates are validated with net.isIPv6 so clock times like 15:04:05 are left alone.
  ipv6: [
    {
      re: /\[([0-9A-Fa-f:.]+(?:%\w+)?)\](?::\d{1,5})?|(?<![\w:.])((?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]*[0-9A-Fa-f])(?![\w:])/g,
      replace: (m, bracketed, bare) => (isIPv6((bracketed ?? bare ?? "").replace(/%\w+$/, "")) ? W : m),
    },
  ],
  ipv4: [{ re: /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\d]|\.\d)/g, replace: W }],
  // Host names (optionally with a port): a dotted name ending in a lowercase TLD-like label, with
  // a digit or dash in it ("h64-187-1-131.gtconnect.net", "n219076184117.netvigator.com") or with
  // three or more all-lowercase labels ("massive.merukuru.org", "proxy.cse.cuhk.edu.hk:5070").
  // Two-label names ("chrome.exe", "rpc.statd") and capitalised code names ("java.io.IOException")
  // stay: those are usually constants.
  host: [
    {
      re: /(?<![\w.\-/@:])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[a-z]{2,8}(?::\d{1,5})?(?![\w\-/@]|\.\w)/g,
      replace: (m) => {
        const name = m.replace(/:\d+$/, "");
        const labels = name.split(".").length;
        if (/[\d-]/.test(name) || (labels >= 3 && name === name.toLowerCase()) || m !== name) return W;
        return m;
      },
    },
  ],
  // Absolute unix paths (with optional query string), ./relative paths and Windows paths. The
  // look-behind keeps "HTTP/1.1" and "application/json" intact: a path must start the token.
  path: [
    { re: /(?<![\w/.:~-])(?:\.{1,2})?(?:\/[\w.@%+~-]+)+\/?(?:\?[^\s"]*)?/g, replace: W },
    { re: /\b[A-Za-z]:\\(?:[^\\\s]+\\)*[^\\\s]*/g, replace: W },
  ],
  hex: [
    { re: /\b0[xX][0-9a-fA-F]+\b/g, replace: W },
    { re: /\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b/g, replace: W },
    { re: /\b(?:[0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}\b/g, replace: W }, // MAC address
  ],
  duration: [{ re: /(?<![\w.])(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d))+(?![\w])/g, replace: W }],
  // key="value with spaces", key='value' and JSON-style "key": "value": values of structured
  // pairs are variables, the key is not.
  quotedValue: [
    { re: /(\b[\w.-]+=)(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/g, replace: (_m, key) => `${key}${W}`, need: (s) => s.includes('="') || s.includes("='") },
    { re: /("[\w.-]+"\s*:\s*)"(?:[^"\\]|\\.)*"/g, replace: (_m, key) => `${key}"${W}"`, need: (s) => s.includes('":') },
  ],
  quoted: [
    { re: /"(?:[^"\\]|\\.)*"/g, replace: `"${W}"` },
    { re: /(?<!\w)'(?:[^'\\]|\\.)*'(?!\w)/g, replace: `'${W}'` },
  ],
  // Plain numbers, optionally signed/decimal/with a size unit. A number glued to letters on its
  // left ("v2", "sha256") is part of a word and is left for the tree's has-digits rule.
  number: [
    {
      re: /(?<![A-Za-z0-9_.])[-+]?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?(?:%|[KMGTP]i?B|B\b|k\b)?(?![A-Za-z0-9_])/g,
      replace: W,
    },
  ],
};

/**
 * Masks whose matches can contain whitespace ("Jan  2 15:04:05", `key="a b"`, "f(Native Method)",
 * quoted strings) run over the whole line; all others never cross a space, so the miner runs
 * them per token, where a cache of token shapes skips the work for tokens seen before.
 */
const SPANS_WHITESPACE: ReadonlySet<MaskName> = new Set<MaskName>(["timestamp", "call", "quotedValue", "quoted"]);

/** Cheap preconditions: a rule cannot match text without this character (skips most regex runs). */
const NEEDS: Partial<Record<MaskName, (s: string) => boolean>> = {
  url: (s) => s.includes("://"),
  email: (s) => s.includes("@"),
  uuid: (s) => s.includes("-"),
  timestamp: (s) => TIMESTAMP_HINT.test(s),
  call: (s) => s.includes("(") && CALL_HINT.test(s),
  ipv6: (s) => s.includes(":"),
  ipv4: (s) => s.includes("."),
  host: (s) => s.includes("."),
  path: (s) => s.includes("/") || s.includes("\\"),
  hex: hasDigit,
  duration: hasDigit,
  quotedValue: (s) => s.includes('="') || s.includes("='") || s.includes('":'),
  quoted: (s) => s.includes('"') || s.includes("'"),
  number: hasDigit,
};

// One cheap scan instead of five: every timestamp rule needs "d:dd" or "d/L".
const TIMESTAMP_HINT = /\d:\d\d|\d\/[A-Z\d]/;
const CALL_HINT = /\.[\w$<>]+\(/;

function hasDigit(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

export interface GatedRules {
  need: ((s: string) => boolean) | undefined;
  rules: MaskRule[];
}

export interface MaskPlan {
  line: GatedRules[];
  token: GatedRules[];
}

/** The enabled masks split into whole-line and per-token passes, in MASK_NAMES order. */
export function compileMaskPlan(enabled: readonly MaskName[]): MaskPlan {
  const on = new Set(enabled);
  const names = MASK_NAMES.filter((n) => on.has(n));
  const gated = (n: MaskName): GatedRules => ({ need: NEEDS[n], rules: RULES[n] });
  return { line: names.filter((n) => SPANS_WHITESPACE.has(n)).map(gated), token: names.filter((n) => !SPANS_WHITESPACE.has(n)).map(gated) };
}

export function applyGated(text: string, passes: readonly GatedRules[]): string {
  let out = text;
  for (const p of passes) if (p.need === undefined || p.need(out)) out = applyMasks(out, p.rules);
  return out;
}

/** Compile the list of enabled masks once per miner (RegExp objects are reused). */
export function compileMasks(enabled: readonly MaskName[]): MaskRule[] {
  const on = new Set(enabled);
  return MASK_NAMES.filter((n) => on.has(n)).flatMap((n) => RULES[n]);
}

export function applyMasks(text: string, rules: readonly MaskRule[]): string {
  let out = text;
  for (const rule of rules) {
    if (rule.need && !rule.need(out)) continue;
    rule.re.lastIndex = 0;
    out = typeof rule.replace === "string"
      ? out.replace(rule.re, rule.replace)
      : out.replace(rule.re, rule.replace as (substring: string, ...args: unknown[]) => string);
  }
  return out;
}

/** Convenience for tests and callers that want a single mask applied. */
export function maskWith(text: string, names: readonly MaskName[]): string {
  return applyMasks(text, compileMasks(names));
}
