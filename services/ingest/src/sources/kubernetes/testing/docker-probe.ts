import { existsSync } from 'node:fs';
import http from 'node:http';

export interface DockerEngineInfo {
  where: string;
  version: string;
  podman: boolean;
}

function get(target: http.RequestOptions, path: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ ...target, path, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode} for ${path}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The Docker engine testcontainers would use (DOCKER_HOST, else /var/run/docker.sock), or why there is
 * none. (Same rules as @rollwatch/testkit's probe; ingest does not depend on the testkit.)
 */
export async function probeDocker(timeoutMs = 1500): Promise<{ engine?: DockerEngineInfo; reason?: string }> {
  const dh = process.env.DOCKER_HOST;
  let target: http.RequestOptions;
  let where: string;
  if (dh?.startsWith('unix://')) {
    target = { socketPath: dh.slice('unix://'.length) };
    where = dh;
  } else if (dh && /^(tcp|http):\/\//.test(dh)) {
    const u = new URL(dh.replace(/^tcp:/, 'http:'));
    target = { host: u.hostname, port: Number(u.port || 2375) };
    where = dh;
  } else if (dh) {
    return { reason: `DOCKER_HOST=${dh} is not a unix:// or tcp:// address` };
  } else if (existsSync('/var/run/docker.sock')) {
    target = { socketPath: '/var/run/docker.sock' };
    where = '/var/run/docker.sock';
  } else {
    return { reason: 'DOCKER_HOST is unset and /var/run/docker.sock does not exist' };
  }
  try {
    await get(target, '/_ping', timeoutMs);
    const v = JSON.parse(await get(target, '/version', timeoutMs)) as { Version?: string; Components?: { Name?: string }[] };
    const podman = (v.Components ?? []).some((c) => /podman/i.test(c.Name ?? ''));
    return { engine: { where, version: v.Version ?? 'unknown', podman } };
  } catch (error) {
    return { reason: `no Docker engine answers at ${where}: ${(error as Error).message}` };
  }
}
