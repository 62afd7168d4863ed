import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ANALYZE_USAGE, analyzeCommand } from '@rollwatch/analysis';
import { templatesCommand } from '@rollwatch/logtemplates';
import { cliVersion, EXIT, parseCommand, UsageError, wantsHelp, wantsVersion, type CommandArgs } from './args.js';
import { ALL_SERVICES, type ServiceName } from './services.js';
import { fsScratch } from './analyze-scratch.js';

export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const HELP = `rollwatch — watch rollouts and stop the bad ones

Usage:
  rollwatch start [--services ingest,detector,alerts]   run the services (embedded mode unless
                                                        KAFKA_BROKERS / ELASTICSEARCH_URL are set)
  rollwatch stack [--json]                               start local Kafka + Elasticsearch (from Maven
                                                        Central) and the services against them
  rollwatch gate <rollout> [--wait] [--timeout 15m] [--json]
                                                        go/no-go for CI: exit 0 go, 1 no-go, 3 undecided
  rollwatch push <file|-> [--url U] [--batch N] [--json] send NDJSON events to an ingest
  rollwatch analyze <events.ndjson|->... [--policy <file>] [--json]
                                                        replay recorded events through the judge
  rollwatch templates <file|-> [--json]                 mine log templates
  rollwatch templates diff <baseline> <canary> [--json] what is new in the canary's logs
  rollwatch demo [--stack]                               a bad canary caught, end to end
  rollwatch dlq replay [--rollout <id>] [--limit <n>]    re-run dead-lettered actions (alerts API)
  rollwatch bench [--quick] [--out <file>] [--markdown <file>]
                                                        benchmarks (JSON on stdout, summary on stderr)
  rollwatch docs-config [README.md]                      regenerate the README's configuration tables

  rollwatch <command> --help    that command's usage      rollwatch --version    the version

Exit status: 0 success, 1 failure, 2 usage error; \`gate\` adds 3 (no decision in time).
`;

/** Waits for SIGINT/SIGTERM, then runs `stop` once. */
export function untilSignal(stop: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (): void => {
      if (stopping) return;
      stopping = true;
      stop().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

const START_ARGS: CommandArgs = {
  usage: `usage: rollwatch start [--services ingest,detector,alerts]

Runs the services in one process: embedded mode (in-process bus, in-memory store: not durable) unless
KAFKA_BROKERS / ELASTICSEARCH_URL are set. Ports: INGEST_PORT (8080), DETECTOR_PORT (8081),
ALERTS_PORT (8082); 0 = any free port. Ctrl-C stops it.

  --services <list>   which services to run (default all: ${ALL_SERVICES.join(',')})
  -h, --help          this help
`,
  options: { services: { type: 'string' } },
};

const DOCS_CONFIG_ARGS: CommandArgs = {
  usage: `usage: rollwatch docs-config [README.md]

Rewrites the configuration tables of the README (default ./README.md) from the services' config schemas.
`,
  positionals: { min: 0, max: 1, names: 'README path' },
};

const DLQ_ARGS: CommandArgs = {
  usage: `usage: rollwatch dlq replay [--rollout <id>] [--limit <n>]

Re-runs dead-lettered actions through the alerts API (ROLLWATCH_ALERTS_URL, ROLLWATCH_API_TOKEN).
`,
  options: { rollout: { type: 'string' }, limit: { type: 'string' } },
  positionals: { min: 1, max: 1, names: 'subcommand (replay)' },
};

const DEMO_ARGS: CommandArgs = {
  usage: `usage: rollwatch demo [--stack]

A healthy baseline and a crash-looping canary pushed through the real ingest API; prints the timeline
until the rollback webhook arrives.

  --stack   use local Kafka + Elasticsearch (as \`rollwatch stack\`) instead of embedded mode
`,
  options: { stack: { type: 'boolean' } },
};

function parseServices(raw: string | undefined): ServiceName[] {
  if (raw === undefined) return ALL_SERVICES;
  const names = raw.split(',').filter(Boolean);
  const bad = names.filter((n) => !ALL_SERVICES.includes(n as ServiceName));
  if (bad.length || names.length === 0) throw new UsageError(`--services: unknown service(s) ${bad.join(',') || '(none)'}; choose from ${ALL_SERVICES.join(',')}`);
  return names as ServiceName[];
}

interface Command {
  /** Usage for --help; commands whose package owns its parsing print their own. */
  usage: () => Promise<string> | string;
  run: (argv: string[], io: CliIo) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  start: {
    usage: () => START_ARGS.usage,
    run: async (argv, io) => {
      const parsed = parseCommand(START_ARGS, argv);
      if (parsed.kind !== 'run') return EXIT.usage;
      // Loaded on demand: the other commands start without the services' dependencies.
      const { PortInUseError, startServices } = await import('./embedded.js');
      let stack;
      try {
        stack = await startServices({ services: parseServices(parsed.values.services as string | undefined) });
      } catch (error) {
        if (!(error instanceof PortInUseError)) throw error;
        io.stderr.write(`rollwatch start: ${error.message}\n`);
        return EXIT.failure;
      }
      const mode = stack.bus.kind === 'memory' ? 'embedded (in-process bus, in-memory store: not durable)' : 'Kafka + Elasticsearch';
      io.stderr.write(
        `rollwatch running (${mode})\n` +
          Object.entries(stack.ports)
            .filter(([, port]) => port !== undefined)
            .map(([name, port]) => `  ${name.padEnd(9)} http://127.0.0.1:${port}\n`)
            .join('') +
          `Try: curl -X POST localhost:${stack.ports.ingest ?? 8080}/api/v1/events -H 'content-type: application/json' -d '{"time":${Date.now()},"rollout":"demo","group":"canary","type":"oom_killed","instance":"pod-1"}'\n`,
      );
      return untilSignal(() => stack.stop());
    },
  },
  stack: {
    usage: async () => (await import('./stack.js')).STACK_ARGS.usage,
    run: async (argv, io) => (await import('./stack.js')).stackCommand(argv, io),
  },
  gate: {
    usage: async () => (await import('./gate/command.js')).GATE_ARGS.usage,
    run: async (argv, io) => (await import('./gate/command.js')).gateCommand(argv, io),
  },
  push: {
    usage: async () => (await import('./push/command.js')).PUSH_ARGS.usage,
    run: async (argv, io) => (await import('./push/command.js')).pushCommand(argv, io),
  },
  analyze: {
    usage: () => `${ANALYZE_USAGE}\nReplays event schema v1 lines (any order; "-" = stdin) through the judge in event time and prints\none JSON object per rollout: {"rollout","decision","score","noGoAt","reasons"}. Exit 2 on bad usage,\na bad policy or malformed input lines.\n`,
    run: (argv, io) =>
      analyzeCommand(argv, {
        open: (path) => (path === '-' ? io.stdin : createReadStream(path)),
        readFile: (path) => readFile(path, 'utf8'),
        stdout: io.stdout,
        stderr: io.stderr,
        scratch: fsScratch(),
      }),
  },
  // The templates command parses its own flags and answers --help itself.
  templates: { usage: () => '', run: (argv, io) => templatesCommand(argv, io) },
  'docs-config': {
    usage: () => DOCS_CONFIG_ARGS.usage,
    run: async (argv, io) => {
      const parsed = parseCommand(DOCS_CONFIG_ARGS, argv);
      if (parsed.kind !== 'run') return EXIT.usage;
      const { updateReadme } = await import('./config-docs.js');
      const changed = updateReadme(parsed.positionals[0] ?? 'README.md');
      io.stderr.write(changed ? 'README.md: configuration tables updated\n' : 'README.md: configuration tables already up to date\n');
      return EXIT.ok;
    },
  },
  dlq: {
    usage: () => DLQ_ARGS.usage,
    run: async (argv, io) => {
      const parsed = parseCommand(DLQ_ARGS, argv);
      if (parsed.kind !== 'run') return EXIT.usage;
      if (parsed.positionals[0] !== 'replay') throw new UsageError(`unknown subcommand ${JSON.stringify(parsed.positionals[0])} (known: replay)`);
      const { rollout, limit } = parsed.values as { rollout?: string; limit?: string };
      if (limit !== undefined && !/^\d+$/.test(limit)) throw new UsageError(`--limit: expects an integer, got ${JSON.stringify(limit)}`);
      const { replayDlq } = await import('@rollwatch/alerts');
      const result = await replayDlq({ rollout, limit: limit === undefined ? undefined : Number(limit) });
      io.stdout.write(`${JSON.stringify(result)}\n`);
      return EXIT.ok;
    },
  },
  demo: {
    usage: () => DEMO_ARGS.usage,
    run: async (argv, io) => {
      const parsed = parseCommand(DEMO_ARGS, argv);
      if (parsed.kind !== 'run') return EXIT.usage;
      const { demoCommand } = await import('./demo.js');
      return demoCommand(parsed.values.stack ? ['--stack'] : [], io);
    },
  },
  bench: {
    usage: async () => (await import('./bench/args.js')).BENCH_USAGE,
    run: async (argv, io) => (await import('./bench/index.js')).benchCommand(argv, io),
  },
};

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.stderr.write(HELP);
    return EXIT.usage;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    const topic = command === 'help' ? COMMANDS[rest[0] ?? ''] : undefined;
    if (topic && rest[0] !== 'templates') io.stdout.write(await topic.usage());
    else if (rest[0] === 'templates') return templatesCommand(['--help'], io);
    else io.stdout.write(HELP);
    return EXIT.ok;
  }
  if (command === '--version' || command === '-V') {
    io.stdout.write(`${cliVersion()}\n`);
    return EXIT.ok;
  }
  const handler = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!handler) {
    io.stderr.write(`rollwatch: unknown ${command.startsWith('-') ? 'option' : 'command'} "${command}"\n\n${HELP}`);
    return EXIT.usage;
  }
  try {
    // The conventions every command shares: --help/-h (nothing is started) and --version.
    if (wantsHelp(rest) && command !== 'templates') {
      io.stdout.write(await handler.usage());
      return EXIT.ok;
    }
    if (wantsVersion(rest)) {
      io.stdout.write(`${cliVersion()}\n`);
      return EXIT.ok;
    }
    return await handler.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`rollwatch ${command}: ${error.message}\nRun "rollwatch ${command} --help" for usage.\n`);
      return EXIT.usage;
    }
    io.stderr.write(`rollwatch ${command}: ${(error as Error).message}\n`);
    return EXIT.failure;
  }
}
