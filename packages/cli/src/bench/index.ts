// `rollwatch bench`: every figure measured in this run, each next to a baseline measured in the same
// run. JSON on stdout and in the results file; a short summary on stderr. Sections run in order of
// cost; each is bounded, and a failing or over-budget section is recorded rather than fatal.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BENCH_USAGE, BenchUsageError, parseBenchArgs, type BenchPlan, type Section } from './args.js';
import { loadAverage, machineInfo, type MachineInfo } from './machine.js';
import { renderMarkdown } from './markdown.js';
import { renderSummary, targetChecks, type TargetCheck } from './report.js';
import { measureEngineMemory, type EngineMemoryResult } from './sections/engine-memory.js';
import type { CapacityResult } from './sections/capacity.js';
import type { IngestResult } from './sections/ingest.js';
import { measureJudgeCost, type JudgeCostRow } from './sections/judge-cost.js';
import type { LatencyResult } from './sections/latency.js';
import type { QualityResult } from './sections/quality.js';
import type { CorpusQualityResult } from './sections/corpus.js';
import type { ReplayScaleResult } from './sections/replay-scale.js';
import { measureRestore, type RestoreResult } from './sections/restore.js';
import type { ReplicasResult } from './sections/replicas.js';
import { measureTemplateAccuracy, type TemplateAccuracyResult } from './sections/templates.js';

export interface BenchIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

type Outcome<T> = T | { error: string } | { skipped: true; reason: string };

export interface BenchResults {
  schema: 'rollwatch.bench.v1';
  quick: boolean;
  startedAt: string;
  durationSeconds: number;
  /** The flags this run was given (verbatim), for the "how to reproduce" line. */
  argv: string[];
  machine: MachineInfo;
  /** 1/5/15-minute load averages at the start and the end: how busy the shared machine was. */
  loadAverage: { start: [number, number, number]; end: [number, number, number] };
  plan: BenchPlan;
  results: {
    templates?: Outcome<TemplateAccuracyResult>;
    judge?: Outcome<JudgeCostRow[]>;
    memory?: Outcome<{ perRollout: EngineMemoryResult; concurrent: EngineMemoryResult }>;
    restore?: Outcome<RestoreResult>;
    replicas?: Outcome<ReplicasResult>;
    quality?: Outcome<QualityResult>;
    corpus?: Outcome<CorpusQualityResult>;
    replay?: Outcome<ReplayScaleResult>;
    ingest?: Outcome<IngestResult>;
    latency?: Outcome<LatencyResult>;
    capacity?: Outcome<CapacityResult>;
  };
  backends: { kafka?: string; kafkaSource?: string; elasticsearch?: string; elasticsearchSource?: string };
  targets: TargetCheck[];
}

/** The Docker-source path: measured on a Podman engine from @rollwatch/testkit, or why not. */
async function dockerSourceOutcome(brokers: string[], plan: BenchPlan, log: (line: string) => void): Promise<IngestResult['dockerSource']> {
  if (plan.dockerContainers === 0) return { skipped: true, reason: 'disabled by --docker-containers 0' };
  log(`ingest: docker-source path, ${plan.dockerContainers} containers on Podman (@rollwatch/testkit startPodman)`);
  try {
    const { measureDockerSource } = await import('./sections/docker-source.js');
    return await measureDockerSource(brokers, plan.dockerContainers, 4);
  } catch (error) {
    const message = (error as Error).message;
    log(`ingest: docker-source path FAILED: ${message}`);
    // No engine on this machine is a fact about the machine, not a bench failure.
    return /podman not found|runc not found|busybox not found/.test(message) ? { skipped: true, reason: message } : { error: message };
  }
}

/** Lines of the mixed file `rollwatch templates` is timed on (issue 16: 1 M in the full run). */
const templateCliLines = (plan: BenchPlan): number => (plan.quick ? 200_000 : 1_000_000);

/** Rough seconds each section needs at the plan's sizes, to skip what cannot finish in budget. */
function estimateSeconds(section: Section, plan: BenchPlan): number {
  switch (section) {
    case 'templates':
      return 15 + templateCliLines(plan) / 10_000;
    case 'judge':
      return plan.judgeSamples.length * 1.5;
    case 'memory':
      return 5 + plan.concurrentRollouts / 1000;
    case 'restore':
      return plan.quick ? 30 : 180;
    case 'replicas':
      // Two runs, each: publish the backlog (~15,000 events/s here), start and join, the window.
      return 30 + 2 * (plan.replicaEvents / 15_000 + 10 + (plan.quick ? 10 : 20));
    case 'quality':
      return 5 + plan.suiteSize / 20;
    case 'corpus':
      return 10 + plan.corpusSize / 5;
    case 'replay':
      // Writing plus analyzing; the full run's file is >= 2 GB (about 9 M events of ~218 bytes).
      return 30 + Math.max(plan.replayEvents, plan.replayEvents >= 5_000_000 ? 2e9 / 218 : 0) / 25_000;
    case 'ingest':
      return 30 + (plan.ingestEvents * (plan.quick ? 2 : 4)) / 10_000 + (plan.dockerContainers > 0 ? 20 + plan.dockerContainers * 0.2 : 0);
    case 'latency':
      return 40 + plan.rollouts * 0.5;
    case 'capacity':
      return 50 + plan.fleetRollouts / 2_000 + plan.esBulkDocuments / 2_000;
    default: {
      const unreachable: never = section;
      throw new Error(`unknown section ${String(unreachable)}`);
    }
  }
}

export async function benchCommand(argv: string[], io: BenchIo): Promise<number> {
  let plan: BenchPlan;
  try {
    plan = parseBenchArgs(argv);
  } catch (error) {
    if (error instanceof BenchUsageError) {
      io.stderr.write(`rollwatch bench: ${error.message}\n\n${BENCH_USAGE}`);
      return 2;
    }
    throw error;
  }
  if (plan.writeCorpus !== undefined) {
    const { writeCorpus } = await import('./corpus-file.js');
    const files = await writeCorpus(plan.writeCorpus, { seed: plan.seed, count: plan.corpusSize });
    io.stderr.write(`corpus: ${plan.corpusSize} rollouts, ${files.lines} events (${(files.bytes / 1e6).toFixed(1)} MB) in ${files.events}; labels in ${files.labels}\n`);
    return 0;
  }
  const started = Date.now();
  const loadAtStart = loadAverage();
  const deadline = started + plan.budgetSeconds * 1000;
  const results: BenchResults['results'] = {};
  const backends: BenchResults['backends'] = {};
  const stops: (() => Promise<void>)[] = [];
  const log = (line: string): void => {
    io.stderr.write(`[bench +${((Date.now() - started) / 1000).toFixed(0)}s] ${line}\n`);
  };

  let kafka: Promise<{ brokers: string[] }> | undefined;
  const needKafka = (): Promise<{ brokers: string[] }> =>
    (kafka ??= (async () => {
      log('starting/attaching Kafka (@rollwatch/testkit ensureKafka)');
      const { ensureKafka } = await import('@rollwatch/testkit');
      const k = await ensureKafka();
      stops.push(() => k.stop());
      backends.kafka = k.bootstrap;
      backends.kafkaSource = k.source;
      return k;
    })());
  // One Elasticsearch for every section that needs it (started or attached once, stopped at the end).
  let elasticsearch: Promise<{ url: string }> | undefined;
  const needElasticsearch = (why: string): Promise<{ url: string }> =>
    (elasticsearch ??= (async () => {
      log(`starting/attaching Elasticsearch ${why} (@rollwatch/testkit ensureElasticsearch)`);
      const { ensureElasticsearch } = await import('@rollwatch/testkit');
      const es = await ensureElasticsearch();
      stops.push(() => es.stop());
      backends.elasticsearch = es.url;
      backends.elasticsearchSource = es.source;
      return es;
    })());

  const runSection = async <K extends keyof BenchResults['results']>(section: K & Section, fn: () => Promise<NonNullable<BenchResults['results'][K]>>): Promise<void> => {
    if (!plan.sections.includes(section)) return;
    const left = (deadline - Date.now()) / 1000;
    const need = estimateSeconds(section, plan);
    if (left < need) {
      results[section] = { skipped: true, reason: `time budget: ${left.toFixed(0)} s left, section needs ~${need.toFixed(0)} s (raise --budget)` } as never;
      log(`${section}: skipped (budget)`);
      return;
    }
    log(`${section}: running`);
    const t0 = Date.now();
    try {
      results[section] = await fn();
      log(`${section}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (error) {
      results[section] = { error: (error as Error).message } as never;
      log(`${section}: FAILED: ${(error as Error).message}`);
    }
  };

  try {
    await runSection('templates', async () => measureTemplateAccuracy(templateCliLines(plan)));
    await runSection('judge', async () => measureJudgeCost(plan.judgeSamples, plan.quick ? 300 : 800));
    await runSection('memory', async () => ({
      perRollout: measureEngineMemory(Math.min(1_000, plan.concurrentRollouts)),
      concurrent: measureEngineMemory(plan.concurrentRollouts),
    }));
    await runSection('quality', async () => {
      const { measureQuality } = await import('./sections/quality.js');
      return measureQuality(plan.suiteSize, plan.seed);
    });
    await runSection('corpus', async () => {
      const { measureCorpusQuality } = await import('./sections/corpus.js');
      return measureCorpusQuality(plan.corpusSize, plan.seed);
    });
    await runSection('ingest', async () => {
      const { measureIngest } = await import('./sections/ingest.js');
      const k = await needKafka();
      const result = await measureIngest(k.brokers, plan.ingestEvents, plan.clients, plan.batch, plan.quick ? 1 : 2);
      result.dockerSource = await dockerSourceOutcome(k.brokers, plan, log);
      return result;
    });
    await runSection('latency', async () => {
      const { measureLatency } = await import('./sections/latency.js');
      const k = await needKafka();
      const esUrl = plan.store === 'elasticsearch' ? (await needElasticsearch('as the store')).url : undefined;
      return measureLatency(k.brokers, esUrl, plan.rollouts, deadline);
    });
    await runSection('capacity', async () => {
      const { measureCapacity } = await import('./sections/capacity.js');
      const es = await needElasticsearch('for the bulk figures');
      return measureCapacity(plan.fleetRollouts, es.url, plan.esBulkDocuments);
    });
    // Restore cost against a live rollout's length (5 minutes and 1 hour) and against finished rollouts held beside the live ones.
    await runSection('restore', async () => measureRestore(plan.quick ? 50 : 200, plan.quick ? 1 : 2));
    // Events/s with 1 and 2 detector replicas (separate processes) in one consumer group.
    await runSection('replicas', async () => {
      const { measureReplicas } = await import('./sections/replicas.js');
      const k = await needKafka();
      const esUrl = plan.store === 'elasticsearch' ? (await needElasticsearch('as the store')).url : undefined;
      return measureReplicas({ brokers: k.brokers, events: plan.replicaEvents, windowMs: plan.quick ? 10_000 : 20_000, rollouts: 120, elasticsearchUrl: esUrl, cpus: machineInfo().nproc, timeoutMs: Math.max(60_000, deadline - Date.now()), log });
    });
    // Last: the multi-GB file is the longest section and needs no backend.
    await runSection('replay', async () => {
      const { measureReplayScale } = await import('./sections/replay-scale.js');
      return measureReplayScale(plan.replayEvents, plan.seed, log);
    });
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => log(`stopping a backend failed: ${(error as Error).message}`));
  }

  const output: BenchResults = {
    schema: 'rollwatch.bench.v1',
    quick: plan.quick,
    startedAt: new Date(started).toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 100) / 10,
    argv: [...argv],
    machine: machineInfo(),
    loadAverage: { start: loadAtStart, end: loadAverage() },
    plan,
    results,
    backends,
    targets: targetChecks(results),
  };
  const json = `${JSON.stringify(output, null, 2)}\n`;
  await mkdir(path.dirname(path.resolve(plan.out)), { recursive: true });
  await writeFile(plan.out, json);
  if (plan.markdown) {
    await mkdir(path.dirname(path.resolve(plan.markdown)), { recursive: true });
    await writeFile(plan.markdown, renderMarkdown(output));
  }
  io.stdout.write(json);
  io.stderr.write(renderSummary(output));
  io.stderr.write(`results written to ${plan.out}${plan.markdown ? ` and ${plan.markdown}` : ''}\n`);
  const failed = Object.values(results).some((r) => r && typeof r === 'object' && 'error' in r);
  return failed ? 1 : 0;
}
