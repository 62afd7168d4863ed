// `rollwatch push`: NDJSON events from a file or stdin to an ingest, in batches, for backfills and
// tests. Summary on stderr (or --json on stdout); exit 1 when anything was rejected.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { EXIT, parseCommand, parseIntFlag, parseUrlFlag, type CommandArgs } from '../args.js';
import type { CliIo } from '../cli.js';
import { bearerToken } from '../token.js';
import { PushError, sendBatch, type PushLine, type Rejection } from './send.js';

export const DEFAULT_INGEST_URL = 'http://127.0.0.1:8080';
const DEFAULT_BATCH = 500;
/** Rejections listed in the text summary (--json lists them all). */
const LISTED = 20;

export const PUSH_ARGS: CommandArgs = {
  usage: `usage: rollwatch push <file|-> [--url U] [--token-file F] [--batch N] [--json]

Sends event schema v1 lines (NDJSON; "-" = stdin) to an ingest's POST /api/v1/events in batches,
for backfills and tests. 429/503 answers are retried after their Retry-After (else with backoff);
invalid events are reported with their line and field, and the valid ones of their batch still go in.

  --url <u>          ingest base URL (default $ROLLWATCH_INGEST_URL, else ${DEFAULT_INGEST_URL})
  --token-file <f>   file holding the bearer token (default $ROLLWATCH_API_TOKEN)
  --batch <n>        events per request (default ${DEFAULT_BATCH}, 1-5000)
  --json             print the summary as JSON on stdout
  -h, --help         this help

Exit status: 0 everything accepted; 1 some events rejected (or the ingest never accepted);
2 usage error, ingest unreachable, or token refused.
`,
  options: { url: { type: 'string' }, 'token-file': { type: 'string' }, batch: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1, names: 'input file (or - for stdin)' },
};

export interface PushSummary {
  lines: number;
  accepted: number;
  rejected: number;
  batches: number;
  retries: number;
  rejections: Rejection[];
}

export async function pushCommand(argv: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseCommand(PUSH_ARGS, argv);
  if (parsed.kind !== 'run') return EXIT.usage;
  const v = parsed.values as { url?: string; 'token-file'?: string; batch?: string; json?: boolean };
  const file = parsed.positionals[0]!;
  const batchSize = v.batch === undefined ? DEFAULT_BATCH : parseIntFlag('--batch', v.batch, 1, 5000);
  const url = parseUrlFlag(v.url !== undefined ? '--url' : 'ROLLWATCH_INGEST_URL', v.url ?? env.ROLLWATCH_INGEST_URL ?? DEFAULT_INGEST_URL);
  const token = await bearerToken(v['token-file'], env);
  const say = (line: string): void => void io.stderr.write(`rollwatch push: ${line}\n`);
  const summary: PushSummary = { lines: 0, accepted: 0, rejected: 0, batches: 0, retries: 0, rejections: [] };

  let input: NodeJS.ReadableStream = io.stdin;
  try {
    if (file !== '-') {
      const stream = createReadStream(file);
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', reject);
      });
      input = stream;
    }
  } catch (error) {
    say(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return EXIT.usage;
  }

  // A running count for a person watching a long backfill: a TTY, and not --json.
  const tty = !v.json && (io.stderr as { isTTY?: boolean }).isTTY === true;
  const started = Date.now();
  const progress = (): void => {
    if (!tty) return;
    const rate = summary.accepted / Math.max(0.001, (Date.now() - started) / 1000);
    io.stderr.write(`\r\u001b[2Krollwatch push: ${summary.lines} line(s) read, ${summary.accepted} accepted (${Math.round(rate)}/s), ${summary.rejections.length} rejected`);
  };
  const send = async (batch: PushLine[]): Promise<void> => {
    const r = await sendBatch(
      {
        url,
        token,
        onRetry: (problem, waitMs) => say(`${problem}; retrying in ${(waitMs / 1000).toFixed(1)} s`),
        onSplit: (events) => say(`a request of ${events} events is larger than the ingest accepts (413); sending it in halves`),
      },
      batch,
    );
    summary.batches++;
    summary.accepted += r.accepted;
    summary.retries += r.retries;
    for (const rejection of r.rejected) summary.rejections.push(rejection);
    progress();
  };

  let batch: PushLine[] = [];
  try {
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      summary.lines++;
      if (text.trim() === '') continue;
      try {
        JSON.parse(text);
      } catch (error) {
        summary.rejections.push({ line: summary.lines, field: 'body', message: `not JSON: ${(error as Error).message}` });
        continue;
      }
      batch.push({ line: summary.lines, text });
      if (batch.length >= batchSize) {
        await send(batch);
        batch = [];
      }
    }
    if (batch.length) await send(batch);
  } catch (error) {
    if (!(error instanceof PushError)) throw error;
    if (tty) io.stderr.write('\n');
    say(`${error.message} (${summary.accepted} event(s) accepted before that)`);
    return error.exitCode;
  }

  if (tty) io.stderr.write('\r\u001b[2K');
  summary.rejections.sort((a, b) => a.line - b.line);
  summary.rejected = summary.rejections.length;
  if (v.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    say(`${summary.accepted} accepted, ${summary.rejected} rejected (${summary.lines} line(s) in ${summary.batches} request(s)${summary.retries ? `, ${summary.retries} retried` : ''})`);
    for (const r of summary.rejections.slice(0, LISTED)) io.stderr.write(`  ${file === '-' ? 'stdin' : file}:${r.line}: ${r.field}: ${r.message}\n`);
    if (summary.rejected > LISTED) io.stderr.write(`  ... and ${summary.rejected - LISTED} more (--json lists all)\n`);
  }
  return summary.rejected > 0 ? EXIT.failure : EXIT.ok;
}
