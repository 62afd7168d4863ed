import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBenchArgs } from './args.js';
import type { BenchResults } from './index.js';
import { renderMarkdown } from './markdown.js';
import { targetChecks } from './report.js';

const dist = (p50: number, p99: number, n = 30) => ({ n, min: 1, p50, p95: p99 - 1, p99, max: p99 + 5, mean: p50 });
const mem = (rssMb: number) => ({ rssMb, heapUsedMb: 50, heapTotalMb: 80, externalMb: 5 });
const metrics = (tp: number, fp: number, tn: number, fn: number, recall: number, fpr: number) => ({ tp, fp, tn, fn, precision: tp / (tp + fp), recall, falsePositiveRate: fpr, f1: 0.9, accuracy: 0.95 });

/** A full results object as `rollwatch bench` produces it; latency deliberately misses its target. */
function fixture(): BenchResults {
  const results: BenchResults['results'] = {
    templates: {
      formats: [{ format: 'json-app', lines: 300, templatesTrue: 21, templatesFound: 21, accuracy: 1, baselineAccuracy: 0.03 }],
      averageAccuracy: 0.952,
      averageBaselineAccuracy: 0.081,
      ratioToBaseline: 11.7,
      seconds: 0.5,
      loghub: {
        sets: [{ set: 'Proxifier', lines: 2000, templatesTrue: 8, templatesFound: 8, accuracy: 1, drainPublished: 0.527 }],
        averageAccuracy: 1,
        averageDrainPublished: 0.527,
        lines: 2000,
        seconds: 0.01,
        linesPerSecond: 200_000,
        peakHeapBytes: 50 * 2 ** 20,
        ratioToDrain: 1.9,
      },
      cli: { lines: 1_000_000, fileBytes: 125 * 2 ** 20, seconds: 5, linesPerSecond: 200_000, cpuSeconds: 4, linesPerCpuSecond: 250_000, peakRssBytes: 300 * 2 ** 20, baselineReadLinesPerSecond: 2_000_000, ratioToRead: 0.1 },
    },
    judge: [{ samplesPerGroup: 10_000, signals: 2, decisions: 800, decisionsPerSecond: 61, microsPerDecision: 16_393.4, shiftTestMicros: 7_000, sortMicros: 2_100.5, ratioToSort: 7.8 }],
    memory: {
      perRollout: { rollouts: 1_000, eventsPerRollout: 126, heapDeltaMb: 19.7, bytesPerRollout: 20_699, eventJsonBytesPerRollout: 25_283, ratioToEventJson: 0.82, ingestSeconds: 1, evaluateSeconds: 1, packedBytesPerRollout: 7_900, gcForced: true },
      concurrent: { rollouts: 10_000, eventsPerRollout: 126, heapDeltaMb: 190.2, bytesPerRollout: 19_943, eventJsonBytesPerRollout: 25_283, ratioToEventJson: 0.79, ingestSeconds: 9, evaluateSeconds: 8, packedBytesPerRollout: 7_800, gcForced: true },
    },
    quality: {
      seed: 20_250_101,
      rollouts: 400,
      canaryRollouts: 340,
      events: 300_000,
      kinds: { good: 200, 'oom-burst': 200 },
      canary: [
        { judge: 'rollwatch', metrics: metrics(180, 1, 159, 0, 1, 0.0063), medianSecondsToDetect: 180, byKind: { 'oom-burst': { total: 30, flagged: 30, medianSecondsToDetect: 14.7 } } },
        { judge: 'flagger-style', metrics: metrics(63, 22, 138, 117, 0.35, 0.1375), medianSecondsToDetect: 300, byKind: { 'oom-burst': { total: 30, flagged: 0, medianSecondsToDetect: null } } },
      ],
      rollwatchAll: { judge: 'rollwatch', metrics: metrics(210, 1, 189, 0, 1, 0.0053), medianSecondsToDetect: 210, byKind: {} },
      crashOom: { kinds: ['oom-burst', 'crash-loop'], rollwatchMedianSeconds: 34.6, flaggerMedianSeconds: null, flaggerDetected: 0, total: 60, speedup: null, speedupVsFlaggerFloor: 8.7 },
      seconds: 9.5,
    },
    corpus: {
      seed: 20_250_101,
      rollouts: 420,
      events: 1_050_000,
      kinds: { latency: 30, good: 30 },
      judges: [
        {
          judge: 'rollwatch',
          metrics: metrics(206, 1, 209, 4, 0.981, 0.0048),
          undecidedGood: 3,
          flaggedBeforeFault: 0,
          byKind: {
            'crash-loop': { total: 30, flagged: 30, medianSecondsToDetect: 5, targetSeconds: 30, met: true },
            'oom-kill': { total: 30, flagged: 30, medianSecondsToDetect: 1, targetSeconds: 30, met: true },
            'failed-probes': { total: 30, flagged: 30, medianSecondsToDetect: 60, targetSeconds: 90, met: true },
            'http-error-ratio': { total: 30, flagged: 30, medianSecondsToDetect: 120, targetSeconds: 180, met: true },
            latency: { total: 30, flagged: 29, medianSecondsToDetect: 200, targetSeconds: 240, met: true },
            'new-error-template': { total: 30, flagged: 30, medianSecondsToDetect: 150, targetSeconds: 180, met: true },
            'error-log-rate': { total: 30, flagged: 27, medianSecondsToDetect: 600, targetSeconds: 480, met: false },
            good: { total: 30, flagged: 1, medianSecondsToDetect: null },
          },
        },
        { judge: 'naive-ratio', metrics: metrics(200, 150, 60, 10, 0.952, 0.714), undecidedGood: 0, flaggedBeforeFault: 40, byKind: { latency: { total: 30, flagged: 0, medianSecondsToDetect: null }, good: { total: 30, flagged: 25, medianSecondsToDetect: null } } },
      ],
      targets: {
        recall: { target: 0.97, value: 0.981, met: true },
        falsePositiveRate: { target: 0.01, value: 0.0048, met: true },
        timeToDetect: [
          { kind: 'crash-loop', targetSeconds: 30, medianSeconds: 5, met: true },
          { kind: 'oom-kill', targetSeconds: 30, medianSeconds: 1, met: true },
          { kind: 'failed-probes', targetSeconds: 90, medianSeconds: 60, met: true },
          { kind: 'http-error-ratio', targetSeconds: 180, medianSeconds: 120, met: true },
          { kind: 'latency', targetSeconds: 240, medianSeconds: 200, met: true },
          { kind: 'new-error-template', targetSeconds: 180, medianSeconds: 150, met: true },
          { kind: 'error-log-rate', targetSeconds: 480, medianSeconds: 600, met: false },
        ],
      },
      versusBaselines: [{ baseline: 'naive-ratio', recallRatio: 1.03, fprDifference: -0.7, ttdRatioByKind: { latency: null } }],
      informationCeiling: {
        allowedRatio: 1.1,
        alphas: { family: 0.01, signal: 0.01 / 9 },
        byKind: { 'error-log-rate': { total: 30, rollwatchFlagged: 27, caught: { family: 29, signal: 25 }, optimisticMedianSecondsToDetect: 420 } },
        recall: { family: 0.9952, signal: 0.9762 },
      },
      replay: { eventsPerSecond: 150_000, peakBuffered: 900, peakOpenRollouts: 40, beyondReorder: 0 },
      seconds: 40,
    },
    replay: {
      events: 9_200_000,
      bytes: 2_010_000_000,
      rollouts: 3_700,
      writeSeconds: 80,
      analyze: { code: 0, wallSeconds: 80, cpuSeconds: 82, peakRssMb: 310.5, outputLines: 3_700, stderrTail: '', eventsPerSecond: 115_000, eventsPerCpuSecond: 112_195 },
      floor: { code: 0, wallSeconds: 20, cpuSeconds: 21, peakRssMb: 80, outputLines: 0, stderrTail: '', eventsPerSecond: 460_000, eventsPerCpuSecond: 438_095 },
      ratioToFloor: 0.25,
      target: { eventsPerSecond: 100_000, met: true, completed: true },
    },
    ingest: {
      kafka: '127.0.0.1:40001',
      clients: 16,
      eventsPerRequest: 100,
      producerBatch: 500,
      rounds: [
        { raw: { events: 200_000, seconds: 10, eventsPerSecond: 20_000, offsetsAdvanced: 200_000, cpuSecondsBenchProcess: 4, peakMemory: mem(300) }, http: { events: 200_000, seconds: 12.5, eventsPerSecond: 16_000, offsetsAdvanced: 200_000, cpuSecondsBenchProcess: 9, peakMemory: mem(420) } },
      ],
      rawEventsPerSecond: 20_000,
      httpEventsPerSecond: 16_000,
      ratio: 0.8,
      target: { ratioAtLeast: 0.7, met: true },
      requestLatencyMs: dist(80, 190, 2_000),
      spooledEvents: 0,
      memory: { rawPhasePeak: mem(300), httpPhasePeak: mem(420), ingestAttributableRssMb: 120, note: '' },
      dockerSource: { skipped: true, reason: 'podman missing on this machine' },
    },
    latency: {
      kafka: '127.0.0.1:40001',
      store: 'elasticsearch',
      rollouts: 100,
      completed: 100,
      timedOut: 0,
      warmupSeconds: 3.2,
      toVerdictMs: dist(1_500, 2_400, 100),
      toWebhookMs: dist(1_600, 2_500, 100),
      target: { p99BelowMs: 2_000, met: false },
      models: [{ tool: 'flagger', settings: 'defaults: interval 60s × threshold 5', intervalSeconds: 60, checks: 5, secondsToRollback: 300, source: 'docs.flagger.app', ratioToRollwatchP99: 120 }],
      memory: { peak: mem(512), note: '' },
    },
  };
  const argv = ['--markdown', 'BENCHMARKS.md'];
  return {
    schema: 'rollwatch.bench.v1',
    quick: false,
    startedAt: '2026-11-25T00:30:00.000Z',
    durationSeconds: 612.3,
    argv,
    machine: { nproc: 2, cpuModel: 'Intel(R) Xeon(R) Processor', memoryTotalMb: 24_064, node: 'v20.20.2', platform: 'linux-x64', kernel: '6.18.44' },
    loadAverage: { start: [3.1, 2.5, 2], end: [5.5, 4, 3] },
    plan: parseBenchArgs(argv),
    results,
    backends: { kafka: '127.0.0.1:40001', kafkaSource: 'testkit', elasticsearch: 'http://127.0.0.1:40002', elasticsearchSource: 'testkit' },
    targets: targetChecks(results),
  };
}

test('bench markdown: machine facts, load average, date and flags of the run', () => {
  const md = renderMarkdown(fixture());
  assert.match(md, /^# rollwatch benchmarks/);
  assert.match(md, /do not edit by hand/);
  assert.match(md, /\| CPUs \(`nproc`\) \| 2 \|/);
  assert.match(md, /\| CPU model \| Intel\(R\) Xeon\(R\) Processor \|/);
  assert.match(md, /\| RAM \| 23\.5 GB \|/);
  assert.match(md, /\| Node \| v20\.20\.2 \|/);
  assert.match(md, /\| Load average at start \(1\/5\/15 min\) \| 3\.1 \/ 2\.5 \/ 2 \|/);
  assert.match(md, /\| Load average at end \(1\/5\/15 min\) \| 5\.5 \/ 4 \/ 3 \|/);
  assert.match(md, /\| Date \| 2026-11-25T00:30:00\.000Z \(612\.3 s\) \|/);
  assert.match(md, /\| Flags \| `--markdown BENCHMARKS\.md` \|/);
  assert.match(md, /The machine was busy/, 'load 5.5 on 2 CPUs is called out');
  assert.match(md, /node packages\/cli\/dist\/bin\.js bench --markdown BENCHMARKS\.md/, 'how to reproduce');
});

test('bench markdown: targets met and missed come from the numbers', () => {
  const md = renderMarkdown(fixture());
  assert.match(md, /17 of 19 targets met in this run\./);
  assert.match(md, /\| corpus recall \(rollwatch\) \| >= 97% \| 98\.1% \| \*\*met\*\* \|/);
  assert.match(md, /\| corpus median time to detect: error-log-rate \| <= 480 s \| 600 s \| \*\*MISSED\*\* \|/);
  assert.match(md, /\| rollwatch analyze events\/s \(one core, multi-GB file\) \| >= 100,000 \| 112,195 events per CPU-second \(115,000\/s wall\), 2\.01 GB, peak RSS 310\.5 MB \| \*\*met\*\* \|/);
  assert.match(md, /\| template accuracy, Loghub-2k every set \| >= 90% \| 100\.0% \| \*\*met\*\* \|/);
  assert.match(md, /\| rollwatch templates --json throughput \(1 core\) \| >= 200k lines\/s \| 250,000 lines per CPU-second \(200,000\/s wall\) \| \*\*met\*\* \|/);
  assert.match(md, /\| ingest throughput vs raw producer \| >= 70% \| 80\.0% \| \*\*met\*\* \|/);
  assert.match(md, /\| end-to-end p99 \(OOM event → rollback webhook\) \| < 2000 ms \| 2,500 ms \| \*\*MISSED\*\* \|/);
  assert.match(md, /\| crash\/OOM detection vs Flagger-style \| >= 5x sooner \| 8\.7x .*\| \*\*met\*\* \|/);
});

test('bench markdown: the corpus section shows the clairvoyant information ceiling beside rollwatch', () => {
  const md = renderMarkdown(fixture());
  assert.match(md, /\| error-log-rate \| 27\/30 \| 29\/30 \| 25\/30 \| 420 s \|/);
  assert.match(md, /corpus recall of 99\.5 % \(alpha 0\.01 on one signal\) or 97\.6 % \(the signal's share\)/);
  assert.match(md, /Clairvoyant, alpha 0\.0011/);
});

test('bench markdown: every section shows its figures next to the same-run baseline and ratio', () => {
  const md = renderMarkdown(fixture());
  assert.match(md, /\| json-app \| 300 \| 21 \| 21 \| 100\.0 % \| 3\.0 % \|/);
  assert.match(md, /miner 95\.2 % vs digit masking 8\.1 % \(ratio 11\.7×\)/);
  assert.match(md, /\| Proxifier \| 2,000 \| 8 \| 8 \| 100\.0 % \| 52\.7 % \|/);
  assert.match(md, /Average GA 100\.0 % vs Drain 52\.7 % \(ratio 1\.9×\)/);
  assert.match(md, /1,000,000 generated mixed lines .*200,000 lines\/s wall, 250,000 lines per CPU-second, peak RSS 300 MB; reading the file alone: 2,000,000 lines\/s/);
  assert.match(md, /\| 10,000 \| 2 \| 16,393\.4 \| 61 \| 7,000\.0 \| 2,100\.5 \| 7\.8× \|/);
  assert.match(md, /\| 10,000 \| 126 \| 190\.2 \| 19,943 \| 25,283 \| 0\.79× \| 7,800 \| yes \|/);
  assert.match(md, /\| rollwatch \| 99\.4 % \| 100\.0 % \| 0\.6 % \| 90\.0 % \| 180 \/ 1 \/ 159 \/ 0 \| 180\.0 s \|/);
  assert.match(md, /\| oom-burst \| 30\/30 \(14\.7 s\) \| 0\/30 \(n\/a\) \|/);
  assert.match(md, /against its 300 s floor: 8\.7×/);
  assert.match(md, /\| 1 \| 20,000 \| 16,000 \| 80\.0 % \| 200,000 \/ 200,000 \| 4\.00 \/ 9\.00 \|/);
  assert.match(md, /Docker-source path.*not measured: podman missing on this machine\./);
  assert.match(md, /\| rollback webhook received \| 100 \| 1,600 \| 2,499 \| 2,500 \| 2,505 \|/);
  assert.match(md, /\*\*elasticsearch\*\* store/);
  assert.match(md, /\| flagger \| defaults: interval 60s × threshold 5 \| 300 \| 120× \|/);
  assert.match(md, /\| rollwatch \| 98\.1 % \| 0\.5 % \| .* \| 206 \/ 1 \/ 209 \/ 4 \| 3 \| 0 \|/);
  assert.match(md, /\| error-log-rate \| <= 480 s \| 27\/30 \(600\.0 s\) \*\*missed\*\* \| — \|/);
  assert.match(md, /\| good \| no rollback \| 1\/30 \(n\/a\) \| 25\/30 \(n\/a\) \|/);
  assert.match(md, /\| `rollwatch analyze <file> --json` \| 0 \| 80\.0 \| 82\.0 \| 115,000 \| 112,195 \| 310\.5 \| 3,700 \|/);
  assert.match(md, /\| read \+ JSON\.parse every line \(baseline, the floor\) \| 0 \| 20\.0 \| 21\.0 \| 460,000 \| 438,095 \| 80\.0 \| — \|/);
  assert.match(md, /analyze runs at 0\.25× the floor's rate/);
});

test('bench markdown: skipped, failed and unselected sections say why; their targets are not measured', () => {
  const r = fixture();
  r.results.latency = { skipped: true, reason: 'time budget: 20 s left, section needs ~90 s (raise --budget)' };
  r.results.ingest = { error: 'Kafka | unreachable' };
  r.plan.sections = r.plan.sections.filter((s) => s !== 'templates');
  delete r.results.templates;
  r.targets = targetChecks(r.results);
  const md = renderMarkdown(r);
  assert.match(md, /Not measured: skipped: time budget: 20 s left, section needs ~90 s \(raise --budget\)\./);
  assert.match(md, /Not measured: FAILED: Kafka \| unreachable\./);
  assert.match(md, /## 1\. Log-template grouping accuracy \(`templates`\)\n\nNot measured: not selected in this run/);
  assert.match(md, /\| end-to-end p99 \(OOM event → rollback webhook\) \| < 2000 ms \| latency: skipped: time budget.* \| not measured \|/);
  assert.match(md, /\| ingest throughput vs raw producer \| >= 70% \| ingest: FAILED: Kafka \\\| unreachable \| not measured \|/, 'pipes escaped inside table cells');
  assert.match(md, /12 of 19 targets met in this run\./);
  assert.match(md, /\| template accuracy, Loghub-2k average \| >= 95% \| templates: not selected in this run.* \| not measured \|/);
});

test('bench markdown: the measured Docker-source path shows the engine ceiling, the ratio and the lag', () => {
  const r = fixture();
  const ingest = r.results.ingest as Extract<NonNullable<BenchResults['results']['ingest']>, { dockerSource: unknown }>;
  ingest.dockerSource = {
    engine: 'podman 4.9.3 (Docker API)',
    containers: 200,
    concurrency: 4,
    engineEvents: 1_000,
    engineLifecycleEvents: 400,
    engineSeconds: 40,
    engineLifecycleEventsPerSecond: 10,
    engineAllEventsPerSecond: 25,
    kafkaEvents: 400,
    kafkaSeconds: 40.5,
    kafkaEventsPerSecond: 9.9,
    ratio: 0.988,
    missing: 0,
    lagMs: dist(20, 90, 400),
    note: '',
  };
  const md = renderMarkdown(r);
  assert.match(md, /podman 4\.9\.3 \(Docker API\); 200 containers/);
  assert.match(md, /\| Engine \/events: start \+ die \(baseline, the ceiling\) \| 400 \| 40\.00 \| 10\.0 \| 1\.00 \|/);
  assert.match(md, /\| docker source → consumed from Kafka \(container_start \+ container_exit\) \| 400 \| 40\.50 \| 9\.9 \| \*\*0\.988\*\* \|/);
  assert.match(md, /Missing in Kafka: 0\. Lag .*p50 20 ms, p95 89 ms, p99 90 ms/);
});

test('bench markdown: a quiet machine is not called busy; output is deterministic', () => {
  const r = fixture();
  r.loadAverage = { start: [0.5, 0.4, 0.3], end: [1.2, 0.8, 0.5] };
  assert.doesNotMatch(renderMarkdown(r), /The machine was busy/);
  assert.equal(renderMarkdown(r), renderMarkdown(r));
});
