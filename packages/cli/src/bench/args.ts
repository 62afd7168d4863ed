// `rollwatch bench` flags. Pure: argv in, a validated plan out (or a BenchUsageError naming the flag).

export const SECTIONS = ['templates', 'judge', 'memory', 'quality', 'corpus', 'ingest', 'latency', 'capacity', 'restore', 'replicas', 'replay'] as const;
export type Section = (typeof SECTIONS)[number];
export const STORE_KINDS = ['memory', 'elasticsearch'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export interface BenchPlan {
  quick: boolean;
  out: string;
  /** Also render the results as Markdown (BENCHMARKS.md) into this file; unset = no Markdown. */
  markdown?: string;
  sections: Section[];
  /** Ingest throughput: events per phase (HTTP push and raw producer each send this many). */
  ingestEvents: number;
  /** Concurrent HTTP clients (and concurrent raw producer senders). */
  clients: number;
  /** Events per HTTP request. */
  batch: number;
  /** Ingest, Docker-source path: containers run on a Podman engine (0 = do not measure). */
  dockerContainers: number;
  /** End-to-end latency: rollouts driven to a no-go. */
  rollouts: number;
  /** Store behind the detector/alerts in the latency run. */
  store: StoreKind;
  /** Judge cost: sample sizes per group, smallest to largest. */
  judgeSamples: number[];
  /** Memory: concurrent rollouts tracked by one engine. */
  concurrentRollouts: number;
  /** Detection quality: labelled rollouts in the synthetic suite. */
  suiteSize: number;
  /** Suite seed (the same seed gives the same suite). */
  seed: number;
  /** Hard limit for the whole run, seconds; sections past it are skipped with a reason. */
  budgetSeconds: number;
  /** Capacity: concurrent rollouts one detector engine tracks (and events bulk-indexed into Elasticsearch). */
  fleetRollouts: number;
  esBulkDocuments: number;
  /** Judge-independent corpus (issue 15): labelled rollouts generated from the fault-size spec. */
  corpusSize: number;
  /** Replicas: the backlog published before 1, then 2 detector replicas consume it (each run; must outlast the window). */
  replicaEvents: number;
  /** Replay at scale: events in the generated file `rollwatch analyze` reads (the 2 GB run: 5,000,000+). */
  replayEvents: number;
  /** Write the corpus (corpus.ndjson + labels.json) into this directory and stop; unset = run the bench. */
  writeCorpus?: string;
}

export class BenchUsageError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'BenchUsageError';
  }
}

export const BENCH_USAGE = `rollwatch bench [options]   benchmarks; JSON on stdout and in the results file, summary on stderr

  --quick                 ~2-minute run (smaller sizes); default is the full run (<= ~15 min; the
                          2 GB replay runs last and is skipped when the budget is spent: give it
                          its own run with --only replay)
  --out <file>            results file (default bench-results/latest.json)
  --markdown <file>       also render this run's results as Markdown (e.g. BENCHMARKS.md)
  --only <a,b>            sections: ${SECTIONS.join(',')}
  --skip <a,b>            sections to leave out
  --events <n>            ingest: events per phase
  --clients <n>           ingest: concurrent HTTP clients / producer senders
  --batch <n>             ingest: events per HTTP request (default 500, the raw producer's send
                          size: both phases keep clients x 500 events in flight)
  --docker-containers <n> ingest: containers run on Podman for the docker-source path (0 = off)
  --rollouts <n>          latency: rollouts driven to no-go
  --store <memory|elasticsearch>  latency, replicas: store behind detector/alerts
  --replica-events <n>    replicas: backlog consumed by 1, then by 2 detector replicas
  --judge-samples <a,b>   judge cost: samples per group
  --concurrent <n>        memory: concurrently tracked rollouts
  --suite <n>             quality: labelled rollouts (>= 20)
  --seed <n>              quality: suite seed
  --budget <s>            hard time limit for the run
  --fleet <n>             capacity: concurrent rollouts tracked by one detector engine
  --corpus <n>            corpus: rollouts generated from the fault-size spec (>= 14; default 420)
  --replay-events <n>     replay: events in the generated NDJSON file \`rollwatch analyze\` reads
                          (full run: 5,000,000, about 2 GB in a temp dir, deleted afterwards)
  --write-corpus <dir>    write that corpus (corpus.ndjson in arrival order + labels.json) into <dir>
                          with --seed, and stop: \`rollwatch analyze <dir>/corpus.ndjson\` replays it
`;

const QUICK = {
  ingestEvents: 30_000,
  clients: 8,
  batch: 500,
  dockerContainers: 40,
  rollouts: 30,
  store: 'memory' as StoreKind,
  judgeSamples: [1_000, 10_000, 100_000],
  concurrentRollouts: 2_000,
  suiteSize: 200,
  budgetSeconds: 240,
  fleetRollouts: 20_000,
  esBulkDocuments: 20_000,
  corpusSize: 420,
  replicaEvents: 400_000,
  replayEvents: 500_000,
};

const FULL = {
  ingestEvents: 200_000,
  clients: 16,
  batch: 500,
  dockerContainers: 200,
  rollouts: 100,
  store: 'elasticsearch' as StoreKind,
  judgeSamples: [1_000, 3_000, 10_000, 30_000, 100_000],
  concurrentRollouts: 10_000,
  suiteSize: 400,
  budgetSeconds: 900,
  fleetRollouts: 100_000,
  esBulkDocuments: 100_000,
  corpusSize: 420,
  replicaEvents: 800_000,
  replayEvents: 5_000_000,
};

function int(field: string, raw: string | undefined, min: number, max: number): number {
  if (raw === undefined || !/^\d+$/.test(raw)) throw new BenchUsageError(field, `expects an integer, got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n < min || n > max) throw new BenchUsageError(field, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function sectionList(field: string, raw: string | undefined): Section[] {
  const names = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
  if (names.length === 0 || bad.length) throw new BenchUsageError(field, `unknown section(s) ${bad.join(',') || '(none)'}; choose from ${SECTIONS.join(',')}`);
  return names as Section[];
}

export function parseBenchArgs(argv: readonly string[]): BenchPlan {
  const quick = argv.includes('--quick');
  const base = quick ? QUICK : FULL;
  const plan: BenchPlan = { quick, out: 'bench-results/latest.json', sections: [...SECTIONS], seed: 20_250_101, ...base, judgeSamples: [...base.judgeSamples] };
  let skip: Section[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string | undefined => argv[++i];
    switch (flag) {
      case '--quick':
        break;
      case '--out': {
        const v = value();
        if (!v || v.startsWith('--')) throw new BenchUsageError('--out', 'expects a file path');
        plan.out = v;
        break;
      }
      case '--markdown': {
        const v = value();
        if (!v || v.startsWith('--')) throw new BenchUsageError('--markdown', 'expects a file path');
        plan.markdown = v;
        break;
      }
      case '--only':
        plan.sections = sectionList('--only', value());
        break;
      case '--skip':
        skip = sectionList('--skip', value());
        break;
      case '--events':
        plan.ingestEvents = int('--events', value(), 100, 10_000_000);
        break;
      case '--clients':
        plan.clients = int('--clients', value(), 1, 256);
        break;
      case '--batch':
        plan.batch = int('--batch', value(), 1, 5_000);
        break;
      case '--docker-containers':
        plan.dockerContainers = int('--docker-containers', value(), 0, 100_000);
        break;
      case '--rollouts':
        plan.rollouts = int('--rollouts', value(), 1, 10_000);
        break;
      case '--store': {
        const v = value();
        if (!(STORE_KINDS as readonly string[]).includes(v ?? '')) throw new BenchUsageError('--store', `expects one of ${STORE_KINDS.join('|')}`);
        plan.store = v as StoreKind;
        break;
      }
      case '--judge-samples': {
        const raw = value();
        const list = (raw ?? '').split(',').filter(Boolean);
        if (list.length === 0) throw new BenchUsageError('--judge-samples', 'expects a comma-separated list of sample sizes');
        plan.judgeSamples = list.map((s) => int('--judge-samples', s, 10, 10_000_000));
        break;
      }
      case '--concurrent':
        plan.concurrentRollouts = int('--concurrent', value(), 1, 1_000_000);
        break;
      case '--suite':
        plan.suiteSize = int('--suite', value(), 20, 100_000);
        break;
      case '--seed':
        plan.seed = int('--seed', value(), 0, 2 ** 31 - 1);
        break;
      case '--fleet':
        plan.fleetRollouts = int('--fleet', value(), 1, 2_000_000);
        break;
      case '--budget':
        plan.budgetSeconds = int('--budget', value(), 10, 7_200);
        break;
      case '--corpus':
        plan.corpusSize = int('--corpus', value(), 14, 1_000_000);
        break;
      case '--replica-events':
        plan.replicaEvents = int('--replica-events', value(), 1_000, 10_000_000);
        break;
      case '--replay-events':
        plan.replayEvents = int('--replay-events', value(), 1_000, 100_000_000);
        break;
      case '--write-corpus': {
        const v = value();
        if (!v || v.startsWith('--')) throw new BenchUsageError('--write-corpus', 'expects a directory');
        plan.writeCorpus = v;
        break;
      }
      default:
        throw new BenchUsageError(flag, 'unknown option');
    }
  }
  plan.sections = plan.sections.filter((s) => !skip.includes(s));
  return plan;
}
