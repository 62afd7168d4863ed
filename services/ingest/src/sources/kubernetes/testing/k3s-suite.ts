import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { createLogger } from '@rollwatch/core';
import { resolveKubernetesSourceConfig } from '../config.js';
import { KubernetesSource } from '../kubernetes-source.js';
import { CollectingSink } from './collecting-sink.js';
import { probeDocker } from './docker-probe.js';

/**
 * The source against a real Kubernetes (k3s in a container via testcontainers). `kubernetes-source.it.test.ts`
 * registers it only when a Docker engine is reachable: without one there is nothing to run, and a
 * skipped (or empty-file) test would inflate the count. ROLLWATCH_TESTKIT_MODE=containers makes a
 * missing engine a failure instead.
 */
const K3S_IMAGE = process.env.ROLLWATCH_K3S_IMAGE ?? 'rancher/k3s:v1.31.2-k3s1';

/** Registers the k3s suite, a failing test, or nothing (with a log line saying why). */
export async function registerK3sSuite(): Promise<void> {
  const mode = (process.env.ROLLWATCH_TESTKIT_MODE ?? 'auto').trim().toLowerCase();
  const probe = mode === 'local' ? { reason: 'ROLLWATCH_TESTKIT_MODE=local', engine: undefined } : await probeDocker();
  // k3s needs a privileged container; the rootless Podman the testkit starts cannot provide one.
  const usable = probe.engine && (!probe.engine.podman || mode === 'containers');
  if (!usable) {
    const why = probe.engine ? `the engine at ${probe.engine.where} is Podman` : probe.reason;
    if (mode === 'containers') {
      it('k3s: a Docker engine is required (ROLLWATCH_TESTKIT_MODE=containers)', () => assert.fail(`no usable Docker engine: ${why}`));
    } else {
      console.log(`# k3s variant of the kubernetes source suite not registered: ${why}`);
    }
    return;
  }
  const { K3sContainer } = await import('@testcontainers/k3s');
  const NS = 'rollwatch-it';

  describe(`KubernetesSource against k3s (${K3S_IMAGE})`, { timeout: 300_000 }, () => {
    let container: Awaited<ReturnType<InstanceType<typeof K3sContainer>['start']>>;
    let dir: string;
    let core: CoreV1Api;
    let source: KubernetesSource;
    const sink = new CollectingSink();

    before(async () => {
      container = await new K3sContainer(K3S_IMAGE).start();
      dir = mkdtempSync(path.join(tmpdir(), 'rollwatch-k3s-'));
      const kubeconfig = path.join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, container.getKubeConfig());
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      core = kc.makeApiClient(CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: NS } } });
      const config = resolveKubernetesSourceConfig({ KUBECONFIG: kubeconfig, K8S_NAMESPACES: [NS], K8S_BACKOFF_INITIAL_MS: 200 }, {});
      source = new KubernetesSource(config, createLogger('k3s-it', 'warn'));
      await source.start(sink);
      await source.waitForSync();
    });

    after(async () => {
      await source?.stop();
      await container?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const podSpec = (name: string, command: string, extra: Partial<NonNullable<V1Pod['spec']>['containers'][number]> = {}): V1Pod => ({
      metadata: { name, labels: { app: name } },
      spec: { containers: [{ name: 'app', image: 'busybox:1.36', command: ['sh', '-c', command], ...extra }] },
    });

    it('reports a crashing container as container_restart with its exit code, then CrashLoopBackOff', async () => {
      await core.createNamespacedPod({ namespace: NS, body: podSpec('crasher', 'sleep 1; exit 3') });
      await sink.waitFor((es) => es.some((e) => e.instance === 'crasher' && e.type === 'container_restart'), 180_000, 'restart of crasher');
      const restart = sink.events.find((e) => e.instance === 'crasher' && e.type === 'container_restart')!;
      assert.equal(restart.exitCode, 3);
      assert.equal(restart.labels?.['k8s.namespace'], NS);
      assert.ok(restart.host, 'host is the node name');
      assert.ok(restart.hostAttributes?.kernel);
      assert.ok(restart.hostAttributes?.containerdVersion, 'k3s runs containerd');
      await sink.waitFor((es) => es.some((e) => e.instance === 'crasher' && e.labels?.['k8s.reason'] === 'CrashLoopBackOff'), 180_000, 'CrashLoopBackOff');
    });

    it('reports an OOM kill', async () => {
      await core.createNamespacedPod({
        namespace: NS,
        body: podSpec('hog', 'x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done', { resources: { limits: { memory: '16Mi' } } }),
      });
      await sink.waitFor((es) => es.some((e) => e.instance === 'hog' && e.type === 'oom_killed'), 180_000, 'oom_killed of hog');
    });

    it('reports failing readiness probes from Unhealthy Events', async () => {
      await core.createNamespacedPod({
        namespace: NS,
        body: podSpec('unready', 'sleep 3600', { readinessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 1 } }),
      });
      await sink.waitFor((es) => es.some((e) => e.instance === 'unready' && e.type === 'health_check_failed'), 180_000, 'Unhealthy of unready');
      const ids = sink.events.map((e) => e.id);
      assert.equal(new Set(ids).size, ids.length, 'no duplicates');
      assert.deepEqual(sink.invalid, []);
    });
  });
}
