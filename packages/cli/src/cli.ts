import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { analyzeCommand } from '@rollwatch/analysis';
import { templatesCommand } from '@rollwatch/logtemplates';
import { ALL_SERVICES, startServices, type ServiceName } from './embedded.js';
import { stackCommand } from './stack.js';
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
  rollwatch stack                                        start local Kafka + Elasticsearch (from Maven
                                                        Central) and the services against them
  rollwatch analyze <events.ndjson|->... [--policy <file>] [--json]
                                                        replay recorded events through the judge
  rollwatch templates <file|-> [--json]                 mine log templates
  rollwatch templates diff <baseline> <canary> [--json] what is new in the canary's logs
  rollwatch demo [--stack]                               a bad canary caught, end to end
  rollwatch dlq replay [--rollout <id>] [--limit <n>]    re-run dead-lettered actions (alerts API)
  rollwatch bench [--quick] [--out <file>] [--markdown <file>]
                                                        benchmarks (JSON on stdout, summary on stderr)
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

function parseServices(argv: string[]): ServiceName[] {
  const i = argv.indexOf('--services');
  if (i === -1) return ALL_SERVICES;
  const names = (argv[i + 1] ?? '').split(',').filter(Boolean);
  const bad = names.filter((n) => !ALL_SERVICES.includes(n as ServiceName));
  if (bad.length || names.length === 0) throw new Error(`--services: unknown service(s) ${bad.join(',') || '(none)'}; choose from ${ALL_SERVICES.join(',')}`);
  return names as ServiceName[];
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start': {
        const stack = await startServices({ services: parseServices(rest) });
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
      }
      case 'stack':
        return await stackCommand(rest, io);
      case 'analyze':
        return await analyzeCommand(rest, {
          open: (path) => (path === '-' ? io.stdin : createReadStream(path)),
          readFile: (path) => readFile(path, 'utf8'),
          stdout: io.stdout,
          stderr: io.stderr,
          scratch: fsScratch(),
        });
      case 'templates':
        return await templatesCommand(rest, io);
      case 'docs-config': {
        const { updateReadme } = await import('./config-docs.js');
        const changed = updateReadme(rest[0] ?? 'README.md');
        io.stderr.write(changed ? 'README.md: configuration tables updated\n' : 'README.md: configuration tables already up to date\n');
        return 0;
      }
      case 'dlq': {
        if (rest[0] !== 'replay') {
          io.stderr.write('usage: rollwatch dlq replay [--rollout <id>] [--limit <n>]   (ROLLWATCH_ALERTS_URL, ROLLWATCH_API_TOKEN)\n');
          return 2;
        }
        const { replayDlq } = await import('@rollwatch/alerts');
        const flag = (name: string): string | undefined => {
          const i = rest.indexOf(name);
          return i === -1 ? undefined : rest[i + 1];
        };
        const limit = flag('--limit');
        const result = await replayDlq({ rollout: flag('--rollout'), limit: limit === undefined ? undefined : Number(limit) });
        io.stdout.write(`${JSON.stringify(result)}\n`);
        return 0;
      }
      case 'demo': {
        const { demoCommand } = await import('./demo.js');
        return await demoCommand(rest, io);
      }
      case 'bench': {
        const { benchCommand } = await import('./bench/index.js');
        return await benchCommand(rest, io);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(HELP);
        return command === undefined ? 2 : 0;
      default:
        io.stderr.write(`rollwatch: unknown command "${command}"\n\n${HELP}`);
        return 2;
    }
  } catch (error) {
    io.stderr.write(`rollwatch ${command}: ${(error as Error).message}\n`);
    return 1;
  }
}
