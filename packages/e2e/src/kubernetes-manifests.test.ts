import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { JSONPath } from 'jsonpath-plus';
import { parseAllDocuments } from 'yaml';
import { startServices, type RunningStack } from '@rollwatch/cli';
import { OPENAPI_DOCUMENT } from '@rollwatch/detector';

// deploy/kubernetes as a platform team would apply it: every overlay rendered by kustomize (the
// one in kubectl), every object validated against the Kubernetes, Argo Rollouts and Prometheus
// Operator schemas, the wiring checked (selectors, ports, probes, RBAC), and the Argo
// AnalysisTemplate sample evaluated the way Argo evaluates it against a live detector.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DEPLOY = path.join(ROOT, 'deploy/kubernetes');
const OVERLAYS = ['embedded', 'production'] as const;

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [key: string]: unknown };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are walked field by field
type Any = any;

/** `kubectl kustomize <dir>`, else a standalone `kustomize build`; neither installed is a failure, never a skip. */
function kustomize(dir: string): string {
  const tries: [string, string[]][] = [
    ['kubectl', ['kustomize', dir]],
    ['kustomize', ['build', dir]],
  ];
  const problems: string[] = [];
  for (const [cmd, args] of tries) {
    const run = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
    if (run.error) {
      problems.push(`${cmd}: ${run.error.message}`);
      continue;
    }
    if (run.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${run.status}):\n${run.stderr}`);
    return run.stdout;
  }
  throw new Error(`rendering ${dir} needs kubectl (with kustomize 5) or kustomize on PATH (Debian: apt install kubernetes-client): ${problems.join('; ')}`);
}

function objectsOf(text: string, where: string): K8sObject[] {
  return parseAllDocuments(text).map((doc) => {
    assert.deepEqual(doc.errors, [], `${where}: YAML errors`);
    return doc.toJS() as K8sObject;
  }).filter((o) => o !== null);
}

/** The model class for an apiVersion/kind, from the npm model packages the issue names. */
async function modelFor(object: K8sObject): Promise<new (data: unknown) => { validate(): void }> {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const modulePath =
    group === 'argoproj.io'
      ? `@kubernetes-models/argo-rollouts/argoproj.io/${version}/${object.kind}`
      : group === 'monitoring.coreos.com'
        ? `@kubernetes-models/prometheus-operator/monitoring.coreos.com/${version}/${object.kind}`
        : `kubernetes-models/${group ? `${group}/` : ''}${version}/${object.kind}`;
  const module = (await import(modulePath)) as Record<string, new (data: unknown) => { validate(): void }>;
  const model = module[object.kind];
  assert.ok(model, `no model for ${object.apiVersion} ${object.kind} in ${modulePath}`);
  return model;
}

async function validateAll(objects: K8sObject[], where: string): Promise<void> {
  for (const object of objects) {
    const Model = await modelFor(object);
    assert.doesNotThrow(() => new Model(object).validate(), `${where}: ${object.kind}/${object.metadata.name} is not a valid ${object.apiVersion} ${object.kind}`);
  }
}

const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind) as Any[];
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('deploy/kubernetes: kustomize overlays', () => {
  const rendered = new Map<string, K8sObject[]>();
  before(() => {
    for (const overlay of OVERLAYS) rendered.set(overlay, objectsOf(kustomize(path.join(DEPLOY, 'overlays', overlay)), overlay));
  });

  it('every object of every overlay is valid against the kubernetes-models / argo-rollouts / prometheus-operator schemas', async () => {
    for (const [overlay, objects] of rendered) {
      assert.ok(objects.length >= 10, `${overlay} renders ${objects.length} objects`);
      await validateAll(objects, overlay);
      for (const o of objects) if (!['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind)) assert.equal(o.metadata.namespace, 'rollwatch', `${overlay}: ${o.kind}/${o.metadata.name} namespace`);
    }
  });

  it('pods run non-root on a read-only root filesystem, with /healthz liveness, /readyz readiness and resources', () => {
    for (const [overlay, objects] of rendered) {
      for (const d of ofKind(objects, 'Deployment')) {
        const pod = d.spec.template.spec;
        const where = `${overlay}: ${d.metadata.name}`;
        assert.equal(pod.securityContext.runAsNonRoot, true, where);
        assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault', where);
        for (const c of pod.containers) {
          assert.equal(c.securityContext.readOnlyRootFilesystem, true, where);
          assert.equal(c.securityContext.allowPrivilegeEscalation, false, where);
          assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], where);
          assert.equal(c.livenessProbe.httpGet.path, '/healthz', where);
          assert.equal(c.readinessProbe.httpGet.path, '/readyz', where);
          assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, `${where}: resources`);
          // A read-only root needs a writable /tmp.
          assert.ok(c.volumeMounts.some((m: Any) => m.mountPath === '/tmp'), `${where}: /tmp volume`);
          const tokenRefs = c.env.filter((e: Any) => e.valueFrom?.secretKeyRef?.name === 'rollwatch-tokens');
          assert.ok(tokenRefs.some((e: Any) => e.name === 'ROLLWATCH_API_TOKEN'), `${where}: API token from the Secret`);
          assert.ok(!c.env.some((e: Any) => /TOKEN|PASSWORD|SECRET/.test(e.name) && e.value !== undefined), `${where}: no secret inlined`);
        }
      }
    }
  });

  it('Services select a pod and target a port it listens on; PDBs and NetworkPolicies select pods too', () => {
    for (const [overlay, objects] of rendered) {
      const pods = ofKind(objects, 'Deployment').map((d) => ({ labels: d.spec.template.metadata.labels, ports: d.spec.template.spec.containers.flatMap((c: Any) => c.ports.map((p: Any) => p.containerPort)) }));
      for (const s of ofKind(objects, 'Service')) {
        const pod = pods.find((p) => matches(s.spec.selector, p.labels));
        assert.ok(pod, `${overlay}: Service ${s.metadata.name} selects no pod`);
        for (const port of s.spec.ports) assert.ok(pod.ports.includes(port.targetPort), `${overlay}: Service ${s.metadata.name} targets port ${port.targetPort}`);
      }
      for (const kind of ['PodDisruptionBudget', 'NetworkPolicy']) {
        for (const o of ofKind(objects, kind)) {
          const selector = kind === 'NetworkPolicy' ? o.spec.podSelector.matchLabels : o.spec.selector.matchLabels;
          if (!selector) continue; // default deny: all pods
          assert.ok(pods.some((p) => matches(selector, p.labels)), `${overlay}: ${kind} ${o.metadata.name} selects no pod`);
        }
      }
      assert.ok(ofKind(objects, 'NetworkPolicy').some((p) => Object.keys(p.spec.podSelector).length === 0 && p.spec.policyTypes.includes('Ingress')), `${overlay}: default-deny ingress`);
      const monitor = ofKind(objects, 'ServiceMonitor')[0];
      assert.ok(monitor, `${overlay}: ServiceMonitor`);
      const scraped = ofKind(objects, 'Service').filter((s) => matches(monitor.spec.selector.matchLabels, s.metadata.labels));
      assert.equal(scraped.length, 3, `${overlay}: ServiceMonitor scrapes the three Services`);
      for (const s of scraped) assert.ok(s.spec.ports.some((p: Any) => p.name === monitor.spec.endpoints[0].port));
    }
  });

  it('RBAC is least privilege: ingest only reads, alerts only patches what it actuates', () => {
    const objects = rendered.get('production')!;
    const role = (name: string) => ofKind(objects, 'ClusterRole').find((r) => r.metadata.name === name);
    const grants = (name: string) => role(name).rules.flatMap((r: Any) => r.resources.flatMap((res: Any) => r.verbs.map((v: string) => `${r.apiGroups[0] || 'core'}/${res}:${v}`))).sort();
    assert.deepEqual(grants('rollwatch-ingest'), ['apps/deployments:get', 'apps/deployments:list', 'apps/deployments:watch', 'argoproj.io/rollouts:get', 'argoproj.io/rollouts:list', 'argoproj.io/rollouts:watch', 'core/events:get', 'core/events:list', 'core/events:watch', 'core/nodes:get', 'core/nodes:list', 'core/nodes:watch', 'core/pods:get', 'core/pods:list', 'core/pods:watch']);
    assert.deepEqual(grants('rollwatch-alerts'), ['apps/deployments:get', 'apps/deployments:patch', 'apps/replicasets:get', 'apps/replicasets:list', 'argoproj.io/rollouts/status:get', 'argoproj.io/rollouts/status:patch', 'argoproj.io/rollouts:get', 'argoproj.io/rollouts:patch']);
    // One ServiceAccount per service; the detector needs no API token at all.
    const accounts = ofKind(objects, 'ServiceAccount').map((a) => a.metadata.name).sort();
    assert.deepEqual(accounts, ['rollwatch-alerts', 'rollwatch-detector', 'rollwatch-ingest']);
    for (const d of ofKind(objects, 'Deployment')) assert.equal(d.spec.template.spec.serviceAccountName, d.metadata.name);
    assert.equal(ofKind(objects, 'ServiceAccount').find((a) => a.metadata.name === 'rollwatch-detector').automountServiceAccountToken, false);
    const bound = ofKind(objects, 'ClusterRoleBinding').map((b) => `${b.roleRef.name}<-${b.subjects.map((s: Any) => s.name).join(',')}`).sort();
    assert.deepEqual(bound, ['rollwatch-alerts<-rollwatch-alerts', 'rollwatch-ingest<-rollwatch-ingest']);
  });

  it('production: three services on external Kafka and Elasticsearch, the spool on a PersistentVolumeClaim', () => {
    const objects = rendered.get('production')!;
    const deployments = ofKind(objects, 'Deployment');
    assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), ['rollwatch-alerts', 'rollwatch-detector', 'rollwatch-ingest']);
    const backends = ofKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('rollwatch-backends'));
    assert.ok(backends.data.KAFKA_BROKERS && backends.data.ELASTICSEARCH_URL);
    for (const d of deployments) assert.equal(d.spec.template.spec.containers[0].envFrom[0].configMapRef.name, backends.metadata.name, d.metadata.name);
    const ingest = deployments.find((d) => d.metadata.name === 'rollwatch-ingest');
    const spoolDir = ingest.spec.template.spec.containers[0].env.find((e: Any) => e.name === 'INGEST_SPOOL_DIR').value;
    const mount = ingest.spec.template.spec.containers[0].volumeMounts.find((m: Any) => m.mountPath === spoolDir);
    const volume = ingest.spec.template.spec.volumes.find((v: Any) => v.name === mount.name);
    assert.ok(ofKind(objects, 'PersistentVolumeClaim').some((p) => p.metadata.name === volume.persistentVolumeClaim.claimName), 'the spool is on the PVC');
    assert.equal(ofKind(objects, 'PodDisruptionBudget').length, 3);
  });

  it('embedded: one pod for all three services, no Kafka or Elasticsearch, one identity', () => {
    const objects = rendered.get('embedded')!;
    const [only, ...more] = ofKind(objects, 'Deployment');
    assert.equal(more.length, 0);
    assert.equal(only.spec.replicas, 1);
    const env = only.spec.template.spec.containers[0].env.map((e: Any) => e.name);
    assert.ok(!env.includes('KAFKA_BROKERS') && !env.includes('ELASTICSEARCH_URL'));
    assert.equal(ofKind(objects, 'ConfigMap').length, 0);
    assert.deepEqual(ofKind(objects, 'ServiceAccount').map((a) => a.metadata.name), ['rollwatch-embedded']);
    assert.deepEqual(ofKind(objects, 'ClusterRoleBinding').map((b) => b.subjects[0].name), ['rollwatch-embedded', 'rollwatch-embedded']);
  });
});

describe('deploy/kubernetes/samples', () => {
  const sample = (file: string) => objectsOf(readFileSync(path.join(DEPLOY, 'samples', file), 'utf8'), file);
  const templates = [...sample('argo-rollouts/analysistemplate.yaml'), ...sample('argo-rollouts/clusteranalysistemplate.yaml')] as Any[];

  it('the Argo AnalysisTemplate, ClusterAnalysisTemplate and Rollout are valid argoproj.io/v1alpha1 objects', async () => {
    const rollout = sample('argo-rollouts/rollout.yaml');
    await validateAll([...templates, ...rollout], 'samples');
    assert.deepEqual(templates.map((t) => t.kind), ['AnalysisTemplate', 'ClusterAnalysisTemplate']);
    for (const t of templates) {
      const metric = t.spec.metrics[0];
      assert.match(metric.provider.web.url, /\{\{args\.rollout\}\}.*revision=\{\{args\.revision\}\}/);
      assert.equal(metric.provider.web.jsonPath, '{$.decision}');
      assert.ok(metric.provider.web.timeoutSeconds > 0 && metric.inconclusiveLimit > 0);
      assert.deepEqual(t.spec.args.find((a: Any) => a.name === 'token').valueFrom.secretKeyRef, { name: 'rollwatch', key: 'read-token' });
    }
    const steps = (rollout[0] as Any).spec.strategy.canary.steps;
    const analysis = steps.find((s: Any) => s.analysis).analysis;
    assert.equal(analysis.templates[0].templateName, templates[0].metadata.name);
    assert.deepEqual(analysis.args.find((a: Any) => a.name === 'revision').valueFrom, { podTemplateHashValue: 'Latest' });
  });

  it('the Flagger Canary wires all five webhook types to detector routes that exist', () => {
    const [canary] = sample('flagger/canary.yaml') as Any[];
    assert.equal(canary.apiVersion, 'flagger.app/v1beta1');
    assert.equal(canary.kind, 'Canary');
    const hooks = canary.spec.analysis.webhooks as { type: string; url: string }[];
    assert.deepEqual(hooks.map((h) => h.type).sort(), ['confirm-promotion', 'confirm-rollout', 'event', 'rollback', 'rollout']);
    for (const hook of hooks) {
      const url = new URL(hook.url);
      assert.ok(url.searchParams.get('access_token'), `${hook.type}: the read token is in the URL (webhooks send no headers)`);
      assert.ok((OPENAPI_DOCUMENT.paths as Record<string, Any>)[url.pathname]?.post, `${hook.type}: POST ${url.pathname} is a detector route`);
    }
  });
});

/**
 * Argo Rollouts' Web metric provider, as documented: substitute `{{args.x}}`, GET with the headers,
 * non-2xx is an Error, `jsonPath` picks the result, then successCondition / failureCondition
 * decide Successful / Failed, neither is Inconclusive. Conditions are expr-lang; this evaluator
 * knows only `result == "<value>"` and refuses anything else rather than guess.
 */
async function argoMeasure(template: Any, args: Record<string, string>): Promise<{ phase: 'Successful' | 'Failed' | 'Inconclusive' | 'Error'; result?: string; status: number }> {
  const metric = template.spec.metrics[0];
  const web = metric.provider.web;
  const fill = (text: string) => text.replace(/\{\{args\.(\w+)\}\}/g, (_m, name: string) => {
    assert.ok(name in args, `the template uses args.${name}`);
    return args[name]!;
  });
  const headers = Object.fromEntries((web.headers ?? []).map((h: Any) => [h.key, fill(h.value)]));
  const response = await fetch(fill(web.url), { headers, signal: AbortSignal.timeout(web.timeoutSeconds * 1000) });
  if (response.status < 200 || response.status > 299) return { phase: 'Error', status: response.status };
  const body = (await response.json()) as object;
  const jsonPath = /^\{(.+)\}$/.exec(web.jsonPath)?.[1];
  assert.ok(jsonPath, `jsonPath ${web.jsonPath} is in Argo's {…} form`);
  const result = JSONPath({ path: jsonPath, json: body, wrap: false }) as string;
  const holds = (condition: string) => {
    const equality = /^result\s*==\s*"([^"]*)"$/.exec(condition.trim());
    assert.ok(equality, `condition "${condition}" is beyond this test's evaluator`);
    return result === equality[1];
  };
  const phase = holds(metric.successCondition) ? 'Successful' : holds(metric.failureCondition) ? 'Failed' : 'Inconclusive';
  return { phase, result, status: response.status };
}

describe('the Argo AnalysisTemplate sample against a live detector (embedded, in-process)', () => {
  const READ = 'argo-read-token';
  const scenario = (file: string) => readFileSync(path.join(ROOT, 'packages/analysis/fixtures/scenarios', file), 'utf8').split('\n').filter(Boolean);
  let stack: RunningStack;
  let spool: string;
  let template: Any;

  before(async () => {
    template = objectsOf(readFileSync(path.join(DEPLOY, 'samples/argo-rollouts/analysistemplate.yaml'), 'utf8'), 'template')[0];
    spool = mkdtempSync(path.join(tmpdir(), 'rollwatch-argo-template-'));
    stack = await startServices({
      env: { LOG_LEVEL: 'silent', INGEST_SPOOL_DIR: spool, ROLLWATCH_API_TOKEN: 'argo-write-token', ROLLWATCH_READ_TOKEN: READ, DETECTOR_RETENTION_MS: String(10 * 365 * 86_400_000) },
      ports: { ingest: 0, detector: 0, alerts: 0 },
    });
    // Three labelled recordings as three Kubernetes rollouts (id <namespace>/<name>, revision r1).
    for (const [file, rollout] of [['good.ndjson', 'prod/checkout'], ['crash-loop.ndjson', 'prod/payments'], ['good-low-traffic.ndjson', 'staging/checkout']] as const) {
      const lines = scenario(file).map((line) => JSON.stringify({ ...JSON.parse(line), rollout, revision: 'r1' }));
      for (let i = 0; i < lines.length; i += 1000) {
        const res = await fetch(`http://127.0.0.1:${stack.ports.ingest}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: 'Bearer argo-write-token' }, body: lines.slice(i, i + 1000).join('\n') });
        assert.equal(res.status, 202, await res.text());
      }
    }
  });
  after(async () => {
    await stack?.stop();
    if (spool) rmSync(spool, { recursive: true, force: true });
  });

  it('go is Successful, no-go Failed, pending and a never-seen rollout Inconclusive (200, not an Error)', async () => {
    // The template's URL names the in-cluster Service; here it is the local detector.
    const local = structuredClone(template);
    local.spec.metrics[0].provider.web.url = template.spec.metrics[0].provider.web.url.replace('http://rollwatch-detector.rollwatch.svc:8081', `http://127.0.0.1:${stack.ports.detector}`);
    assert.notEqual(local.spec.metrics[0].provider.web.url, template.spec.metrics[0].provider.web.url);
    const measure = (rollout: string) => argoMeasure(local, { rollout, revision: 'r1', token: READ });
    const expected: [string, string, string][] = [
      ['prod/checkout', 'go', 'Successful'],
      ['prod/payments', 'no-go', 'Failed'],
      ['staging/checkout', 'pending', 'Inconclusive'],
      ['prod/never-deployed', 'pending', 'Inconclusive'],
    ];
    const deadline = Date.now() + 30_000;
    for (const [rollout, result, phase] of expected) {
      let got = await measure(rollout);
      while (got.result !== result && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        got = await measure(rollout);
      }
      assert.deepEqual(got, { phase, result, status: 200 }, rollout);
    }
    // Without the token Argo gets a 401: an Error, which is what consecutiveErrorLimit is for.
    assert.equal((await argoMeasure(local, { rollout: 'prod/checkout', revision: 'r1', token: 'wrong' })).phase, 'Error');
  });
});

