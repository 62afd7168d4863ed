import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, test } from 'node:test';
import { freePort } from './index.js';
import { ManagedProcess, tailFile } from './util.js';

describe('freePort', () => {
  it('returns distinct bindable ports that avoid well-known service ports', async () => {
    const ports = await Promise.all(Array.from({ length: 10 }, () => freePort()));
    assert.equal(new Set(ports).size, ports.length);
    for (const p of ports) assert.ok(![5432, 3306, 6379, 5672, 1883, 4222, 9092, 9200].includes(p));
    const srv = net.createServer();
    await new Promise<void>((resolve) => srv.listen(ports[0], '127.0.0.1', resolve));
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  });
});

describe('tailFile', () => {
  it('is empty for a missing file', () => {
    assert.equal(tailFile('/nonexistent/rollwatch/file.log'), '');
  });
});

test('startUntilReady: a server that dies before it is ready fails with its log, and cleanup runs', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rw-managed-'));
  const proc = new ManagedProcess('dies', 'sh', ['-c', 'echo boom; exit 3'], path.join(dir, 'log'));
  let cleaned = false;
  await assert.rejects(
    proc.startUntilReady('dying server', async () => false, { timeoutMs: 5000, intervalMs: 20, cleanup: () => (cleaned = true) }),
    /dying server: the server process exited with code 3[\s\S]*boom/,
  );
  assert.equal(cleaned, true);
  assert.equal(proc.running, false);
});
