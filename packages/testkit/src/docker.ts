import { existsSync } from 'node:fs';
import http from 'node:http';

export type TestkitMode = 'auto' | 'local' | 'containers';

/** `ROLLWATCH_TESTKIT_MODE`: `auto` (default), `local` (never testcontainers), `containers` (require a Docker engine). */
export function testkitMode(): TestkitMode {
  const m = (process.env.ROLLWATCH_TESTKIT_MODE ?? 'auto').trim().toLowerCase();
  if (m === '' || m === 'auto') return 'auto';
  if (m === 'local' || m === 'containers') return m;
  throw new Error(`ROLLWATCH_TESTKIT_MODE must be auto, local or containers (got '${m}')`);
}

export interface DockerEngine { socketPath?: string; host?: string; port?: number; podman: boolean; version: string }

function request(target: { socketPath?: string; host?: string; port?: number }, p: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ ...target, path: p, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode} for ${p}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * A quick ping of the Docker engine that testcontainers would use (DOCKER_HOST, else
 * /var/run/docker.sock). Returns undefined when none answers within `timeoutMs`.
 */
export async function probeDockerEngine(timeoutMs = 1500): Promise<DockerEngine | undefined> {
  const dh = process.env.DOCKER_HOST;
  let target: { socketPath?: string; host?: string; port?: number };
  if (dh && dh.startsWith('unix://')) target = { socketPath: dh.slice('unix://'.length) };
  else if (dh && (dh.startsWith('tcp://') || dh.startsWith('http://'))) {
    const u = new URL(dh.replace(/^tcp:/, 'http:'));
    target = { host: u.hostname, port: Number(u.port || 2375) };
  } else if (dh) return undefined;
  else if (existsSync('/var/run/docker.sock')) target = { socketPath: '/var/run/docker.sock' };
  else return undefined;
  try {
    await request(target, '/_ping', timeoutMs);
    const v = JSON.parse(await request(target, '/version', timeoutMs)) as { Version?: string; Components?: { Name?: string }[] };
    const podman = (v.Components ?? []).some((c) => /podman/i.test(c.Name ?? ''));
    return { ...target, podman, version: v.Version ?? 'unknown' };
  } catch {
    return undefined;
  }
}

/**
 * Whether to use testcontainers. In `auto` mode a Podman engine does not count: the Podman that
 * the testkit itself starts (for ingest tests) cannot pull images from a registry here.
 */
export async function useContainers(): Promise<boolean> {
  const mode = testkitMode();
  if (mode === 'local') return false;
  const engine = await probeDockerEngine();
  if (mode === 'containers') {
    if (!engine) throw new Error('ROLLWATCH_TESTKIT_MODE=containers but no Docker engine answers at DOCKER_HOST or /var/run/docker.sock');
    return true;
  }
  return engine !== undefined && !engine.podman;
}
