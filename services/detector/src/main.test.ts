import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitUntil } from './testing/harness.js';

/** The standalone process: embedded bus/store, listens, ready, exits 0 on SIGTERM. */
describe('main', () => {
  it('starts from env alone and shuts down gracefully on SIGTERM', async () => {
    const main = fileURLToPath(new URL('./main.js', import.meta.url));
    const child = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH, DETECTOR_PORT: '0', DETECTOR_HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: Record<string, unknown>[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    });
    try {
      const port = await waitUntil('listening log line', () => logs.find((l) => l.msg === 'detector API listening')?.port as number | undefined);
      await waitUntil('ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200);
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/rollouts`);
      assert.deepEqual(await res.json(), { total: 0, items: [] });
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
      assert.ok(logs.some((l) => l.msg === 'shutting down'));
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits non-zero with a message naming a bad setting', async () => {
    const main = fileURLToPath(new URL('./main.js', import.meta.url));
    const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH, DETECTOR_PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1);
    assert.match(stderr, /DETECTOR_PORT/);
  });

  it('refuses to listen beyond loopback without a token unless ROLLWATCH_INSECURE=true', async () => {
    const main = fileURLToPath(new URL('./main.js', import.meta.url));
    const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH, DETECTOR_PORT: '0', DETECTOR_HOST: '0.0.0.0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1);
    assert.match(stderr, /ROLLWATCH_API_TOKEN/);
    assert.match(stderr, /ROLLWATCH_INSECURE=true/);
  });
});
