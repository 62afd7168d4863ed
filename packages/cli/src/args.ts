// The argument layer every `rollwatch` command shares: Node's util.parseArgs in strict mode, plus the
// conventions (--help/-h prints the command's usage and exits 0, --version prints the version, an
// unknown flag or a missing/extra argument is a usage error: exit 2, message on stderr).
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDuration } from '@rollwatch/analysis';

export const EXIT = { ok: 0, failure: 1, usage: 2, timeout: 3 } as const;

/** A bad command line: the caller prints the message and the usage to stderr and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandArgs {
  /** The command's usage text (printed by --help, and after a usage error). */
  usage: string;
  options?: Options;
  /** How many positional arguments the command takes. */
  positionals?: { min: number; max: number; names?: string };
}

export type Parsed =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'run'; values: Record<string, string | boolean | string[] | boolean[] | undefined>; positionals: string[] };

const COMMON: Options = { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } };

/** Whether the argv asks for help, before anything else is validated (`gate --bad -h` still helps). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

export function wantsVersion(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--version');
}

/** Parses argv for one command; throws UsageError (exit 2) on anything it does not know. */
export function parseCommand(spec: CommandArgs, argv: readonly string[]): Parsed {
  if (wantsHelp(argv)) return { kind: 'help' };
  if (wantsVersion(argv)) return { kind: 'version' };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...COMMON, ...spec.options }, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's messages name the flag ("Unknown option '--bogus'"); drop its hint about `--`.
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const { min, max, names } = spec.positionals ?? { min: 0, max: 0 };
  const given = parsed.positionals;
  if (given.length < min) throw new UsageError(`missing ${names ?? 'argument'}`);
  if (given.length > max) throw new UsageError(`unexpected argument ${JSON.stringify(given[max])}`);
  return { kind: 'run', values: { ...parsed.values } as Record<string, string | boolean | undefined>, positionals: given };
}

/** "15m", "90s", "1h30m", "500ms", or plain seconds ("30"). */
export function parseDurationFlag(flag: string, text: string): number {
  const ms = /^\d+$/.test(text.trim()) ? Number(text) * 1000 : parseDuration(text);
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) throw new UsageError(`${flag}: expects a duration like 90s, 15m or 1h, got ${JSON.stringify(text)}`);
  return ms;
}

export function parseIntFlag(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag}: expects an integer, got ${JSON.stringify(text)}`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${flag}: must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function parseUrlFlag(flag: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${flag}: not a URL: ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag}: expects an http(s) URL, got ${JSON.stringify(text)}`);
  return url.href.replace(/\/+$/, '');
}

/** The version in the CLI's package.json (the same as the repository's). */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
