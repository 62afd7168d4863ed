import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger, isRetriable } from '@rollwatch/core';
import Docker from 'dockerode';
import { dockerSourceConfigSchema } from './config.js';
import { DockerSource } from './docker-source.js';
import { EngineDeadlineError, engineCall } from './engine-call.js';
import { RecordingSink } from './testing/recording-sink.js';

/** An engine that sends the headers and half of the /info body, then cuts the connection. */
function cutMidBodyEngine(socketPath: string): http.Server {
  return http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
    res.write('{"ID":"abc","Kernel');
    setTimeout(() => req.socket.destroy(), 20);
  }).listen(socketPath);
}

const settledWithin = async (p: Promise<unknown>, ms: number): Promise<boolean> => {
  let settled = false;
  p.then(() => (settled = true), () => (settled = true));
  await new Promise((r) => setTimeout(r, ms));
  return settled;
};

describe('engineCall', () => {
  let server: http.Server;
  let docker: Docker;
  let socketPath: string;
  before(() => {
    socketPath = path.join(mkdtempSync(path.join(tmpdir(), 'rw-engine-')), 'engine.sock');
    server = cutMidBodyEngine(socketPath);
    docker = new Docker({ socketPath });
  });
  after(() => server.close());

  it('the problem it exists for: a bare dockerode call never settles when the body is cut', async () => {
    assert.equal(await settledWithin(docker.info(), 500), false);
  });

  it('turns a cut-off request into a retriable error at the deadline', async () => {
    const started = Date.now();
    await assert.rejects(
      engineCall('GET /info', 300, new AbortController().signal, (signal) => (docker as unknown as { info(o: { abortSignal: AbortSignal }): Promise<unknown> }).info({ abortSignal: signal })),
      (error: Error) => isRetriable(error) && /GET \/info got no complete answer within 300 ms/.test(error.message),
    );
    assert.ok(Date.now() - started < 2000);
  });

  it('gives up at once when the source stops', async () => {
    const stop = new AbortController();
    const call = engineCall('GET /info', 60_000, stop.signal, () => new Promise<never>(() => undefined));
    setTimeout(() => stop.abort(), 50);
    await assert.rejects(call, /abandoned: source stopping/);
    await assert.rejects(engineCall('GET /info', 60_000, stop.signal, async () => 1), /abandoned/, 'already stopped: does not even start');
  });

  it('passes results and errors of a request that completes through unchanged', async () => {
    const stop = new AbortController().signal;
    assert.equal(await engineCall('x', 1000, stop, async () => 42), 42);
    await assert.rejects(engineCall('x', 1000, stop, async () => Promise.reject(new Error('404 no such container'))), /404 no such container/);
  });

  it('aborts the request it abandons at the deadline, and tells a deadline from a stop', async () => {
    let given: AbortSignal | undefined;
    await assert.rejects(engineCall('GET /logs', 50, new AbortController().signal, (signal) => ((given = signal), new Promise<never>(() => undefined))), EngineDeadlineError);
    assert.equal(given!.aborted, true, 'the abandoned request is cut, not left on the socket');
    const stop = new AbortController();
    stop.abort();
    await assert.rejects(engineCall('GET /logs', 50, stop.signal, async () => 1), (e: Error) => !(e instanceof EngineDeadlineError) && /abandoned/.test(e.message));
  });

  it('a request that settled in time keeps its signal: an opened stream is not cut when the deadline passes', async () => {
    let given: AbortSignal | undefined;
    const stop = new AbortController();
    assert.equal(await engineCall('GET /events', 50, stop.signal, async (signal) => ((given = signal), 'stream')), 'stream');
    await new Promise((r) => setTimeout(r, 120));
    stop.abort();
    assert.equal(given!.aborted, false);
  });

  it('DockerSource: a half-answered /info is a failed attempt (retried with backoff), and stop() is prompt', async () => {
    const source = new DockerSource(
      dockerSourceConfigSchema.parse({ DOCKER_HOST: `unix://${socketPath}`, INGEST_DOCKER_REQUEST_TIMEOUT_MS: '200', INGEST_DOCKER_BACKOFF_INITIAL_MS: '50', INGEST_DOCKER_BACKOFF_MAX_MS: '100' }),
      createLogger('engine-call-test', 'silent'),
    );
    await source.start(new RecordingSink());
    const deadline = Date.now() + 5000;
    while (!source.status().lastError && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.match(source.status().lastError ?? '', /GET \/info got no complete answer within 200 ms/);
    assert.equal(source.status().connected, false);
    const stopping = Date.now();
    await source.stop();
    assert.ok(Date.now() - stopping < 1000, `stop took ${Date.now() - stopping} ms`);
  });
});
