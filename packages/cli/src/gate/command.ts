// `rollwatch gate`: the CI step that waits for a go/no-go. Exit 0 go, 1 no-go, 3 no decision
// (pending at the timeout, or pending/unknown without --wait), 2 usage or connection errors.
import { formatDuration } from '@rollwatch/analysis';
import { EXIT, parseCommand, parseDurationFlag, parseUrlFlag, UsageError, type CommandArgs } from '../args.js';
import type { CliIo } from '../cli.js';
import { bearerToken } from '../token.js';
import { followVerdict, GateConnectionError, type GateOutcome, type GateVerdict } from './follow.js';

export const DEFAULT_DETECTOR_URL = 'http://127.0.0.1:8081';
export const DEFAULT_GATE_TIMEOUT = '15m';

export const GATE_ARGS: CommandArgs = {
  usage: `usage: rollwatch gate <rollout> [--revision R] [--url U] [--token-file F] [--wait [--timeout 15m]] [--json]

Asks the detector for a rollout's go/no-go verdict: the step a CI pipeline runs before promoting.

  --wait             follow the verdict until it is go or no-go (the detector's Server-Sent Events
                     stream, with GET /gate polled as a fallback); without it, answer once
  --timeout <d>      with --wait, give up after this long (default ${DEFAULT_GATE_TIMEOUT}; 90s, 15m, 1h, or seconds)
  --revision <r>     the revision of the rollout to gate (sent as ?revision=)
  --url <u>          detector base URL (default $ROLLWATCH_DETECTOR_URL, else ${DEFAULT_DETECTOR_URL})
  --token-file <f>   file holding the bearer token (default $ROLLWATCH_API_TOKEN; a read token is enough)
  --poll <d>         polling interval (default: the detector's Retry-After)
  --json             print the verdict JSON on stdout instead of text
  -h, --help         this help

Exit status: 0 go; 1 no-go (the reasons are printed); 3 no decision: still pending when --timeout
ran out, or pending / not seen yet without --wait (pending never exits 0); 2 usage error, detector
unreachable, or token refused.
`,
  options: {
    revision: { type: 'string' },
    url: { type: 'string' },
    'token-file': { type: 'string' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
    poll: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 1, max: 1, names: 'the rollout id (e.g. prod/checkout)' },
};

/** Human-readable lines for a verdict: the decision, then the reasons that explain it. */
export function describeVerdict(verdict: GateVerdict): string[] {
  const score = verdict.score === null || verdict.score === undefined ? 'no score' : `score ${verdict.score}`;
  const head = `${verdict.decision}: ${verdict.rollout}${verdict.revision ? ` @ ${verdict.revision}` : ''} (${score}${verdict.sequence ? `, verdict #${verdict.sequence}` : ''})`;
  const reasons = verdict.reasons ?? [];
  const shown = verdict.decision === 'go' ? [] : reasons.some((r) => r.severity !== 'info') ? reasons.filter((r) => r.severity !== 'info') : reasons.slice(0, 5);
  return [head, ...shown.map((r) => `  - [${r.severity}] ${r.signal}: ${r.message}`)];
}

function exitFor(outcome: GateOutcome): number {
  if (outcome.kind === 'undecided') return EXIT.timeout;
  return outcome.verdict.decision === 'go' ? EXIT.ok : EXIT.failure;
}

export async function gateCommand(argv: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseCommand(GATE_ARGS, argv);
  if (parsed.kind !== 'run') throw new Error('help and version are handled by the caller');
  const v = parsed.values as { revision?: string; url?: string; 'token-file'?: string; wait?: boolean; timeout?: string; poll?: string; json?: boolean };
  const rollout = parsed.positionals[0]!;
  if (!rollout.trim()) throw new UsageError('the rollout id is empty');
  if (v.timeout !== undefined && !v.wait) throw new UsageError('--timeout only applies with --wait');
  const timeoutMs = parseDurationFlag('--timeout', v.timeout ?? DEFAULT_GATE_TIMEOUT);
  const pollMs = v.poll === undefined ? undefined : parseDurationFlag('--poll', v.poll);
  const baseUrl = parseUrlFlag(v.url !== undefined ? '--url' : 'ROLLWATCH_DETECTOR_URL', v.url ?? env.ROLLWATCH_DETECTOR_URL ?? DEFAULT_DETECTOR_URL);
  const token = await bearerToken(v['token-file'], env);
  const say = (line: string): void => void io.stderr.write(`rollwatch gate: ${line}\n`);

  // While waiting, a countdown for a person at a terminal (never when piped or with --json).
  const tty = !v.json && (io.stderr as { isTTY?: boolean }).isTTY === true;
  const deadline = Date.now() + timeoutMs;
  let ticker: NodeJS.Timeout | undefined;
  const tick = (): void => void io.stderr.write(`\r\u001b[2Krollwatch gate: waiting for ${rollout}, ${formatDuration(Math.max(0, Math.ceil((deadline - Date.now()) / 1000)) * 1000)} left`);
  let outcome: GateOutcome;
  try {
    outcome = await followVerdict({
      baseUrl,
      rollout,
      revision: v.revision,
      token,
      wait: v.wait === true,
      timeoutMs,
      pollMs,
      onWaiting: (_verdict, known) => {
        say(`waiting up to ${formatDuration(timeoutMs)} for a decision on ${rollout} (${known ? 'pending' : 'not seen yet'})`);
        if (tty) ticker = setInterval(tick, 1000);
      },
      onNotice: (line) => {
        if (tty) io.stderr.write('\r\u001b[2K');
        say(line);
      },
    });
  } catch (error) {
    if (!(error instanceof GateConnectionError)) throw error;
    say(error.message);
    return EXIT.usage;
  } finally {
    if (ticker) {
      clearInterval(ticker);
      io.stderr.write('\r\u001b[2K');
    }
  }

  if (v.json) io.stdout.write(`${JSON.stringify(outcome.verdict)}\n`);
  else io.stdout.write(`${describeVerdict(outcome.verdict).join('\n')}\n`);
  if (outcome.kind === 'undecided') {
    say(outcome.timedOut ? `no decision on ${rollout} after ${formatDuration(timeoutMs)}: still ${outcome.known ? 'pending' : 'not seen by the detector'}` : `${rollout} is not decided yet; --wait follows it until it is`);
  }
  return exitFor(outcome);
}
