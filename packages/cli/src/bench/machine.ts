// Facts about the machine a run happened on, and a forced-GC helper for heap measurements.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryTotalMb: number;
  node: string;
  platform: string;
  kernel: string;
}

export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1]!.trim();
  } catch {
    // Not Linux: os.cpus() is all there is.
  }
  return {
    nproc: os.availableParallelism(),
    cpuModel,
    memoryTotalMb: Math.round(os.totalmem() / 1024 ** 2),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel: os.release(),
  };
}

/** 1, 5 and 15-minute load averages (from /proc/loadavg via os), rounded; all 0 on Windows. */
export function loadAverage(): [number, number, number] {
  const [one = 0, five = 0, fifteen = 0] = os.loadavg().map((v) => Math.round(v * 100) / 100);
  return [one, five, fifteen];
}

let cachedGc: (() => void) | null | undefined;

/**
 * A function that forces a full GC, or null. Uses --expose-gc when the process has it; otherwise
 * turns the flag on at run time (V8 then exposes `gc` to new contexts), which works on Node 20.
 */
export function forcedGc(): (() => void) | null {
  if (cachedGc !== undefined) return cachedGc;
  const global = globalThis as { gc?: () => void };
  if (typeof global.gc === 'function') return (cachedGc = global.gc);
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    cachedGc = typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    cachedGc = null;
  }
  return cachedGc;
}

/** heapUsed after (when possible) two full collections, so finalisers and weak refs settle. */
export function settledHeapUsed(): { heapUsed: number; gcForced: boolean } {
  const gc = forcedGc();
  if (gc) {
    gc();
    gc();
  }
  return { heapUsed: process.memoryUsage().heapUsed, gcForced: gc !== null };
}

export interface MemorySample {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
}

const mb = (bytes: number): number => Math.round((bytes / 1024 ** 2) * 10) / 10;

export function memorySample(): MemorySample {
  const m = process.memoryUsage();
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external) };
}

/** Samples process memory every `everyMs` until stopped; returns the peaks and the last sample. */
export function memorySampler(everyMs = 200): { stop(): { peak: MemorySample; samples: number } } {
  const peak = memorySample();
  let samples = 1;
  const timer = setInterval(() => {
    const s = memorySample();
    samples++;
    peak.rssMb = Math.max(peak.rssMb, s.rssMb);
    peak.heapUsedMb = Math.max(peak.heapUsedMb, s.heapUsedMb);
    peak.heapTotalMb = Math.max(peak.heapTotalMb, s.heapTotalMb);
    peak.externalMb = Math.max(peak.externalMb, s.externalMb);
  }, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return { peak, samples };
    },
  };
}
