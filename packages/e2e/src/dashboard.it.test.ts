import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startServices, type RunningStack } from '@rollwatch/cli';
import { launchBrowser, REPO_ROOT, type Browser } from './dashboard/browser.js';
import { NEW_TEMPLATE_LINE, scenario, type ScenarioEvent } from './dashboard/scenario.js';
import { eventually } from './labelled-fixtures.js';

// Issue 8's "done when": the dashboard, served by the detector in embedded mode, shows a bad canary
// turn no-go live, charts canary vs baseline, and records an override — in a real browser.
const WRITE_TOKEN = `w-${randomUUID()}`;
const READ_TOKEN = `r-${randomUUID()}`;
const rollout = `shop-${randomUUID().slice(0, 8)}`;
let stack: RunningStack;
let browser: Browser;
let base: string;
// Where @rollwatch/dashboard's dashboardStaticDir() points (read by path: e2e does not depend on it).
const DASHBOARD_BUILD_COMMAND = 'npm run build -w @rollwatch/dashboard';
const dashboardBuilt = () => existsSync(path.join(REPO_ROOT, 'packages', 'dashboard', 'dist', 'public', 'index.html'));

const url = (service: 'ingest' | 'detector' | 'alerts', p: string) => `http://127.0.0.1:${stack.ports[service]}${p}`;
const auth = (token = WRITE_TOKEN) => ({ Authorization: `Bearer ${token}` });

async function post(events: ScenarioEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 200) {
    const res = await fetch(url('ingest', '/api/v1/events'), { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify(events.slice(i, i + 200)) });
    assert.equal(res.status, 202, await res.text());
  }
}

before(async () => {
  if (!dashboardBuilt()) {
    // The assets are a build product (gitignored): build them rather than test a 503 page.
    execFileSync('npm', ['run', 'build', '-w', '@rollwatch/dashboard'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  assert.ok(dashboardBuilt(), `dashboard assets missing after \`${DASHBOARD_BUILD_COMMAND}\``);
  const env = {
    LOG_LEVEL: 'silent',
    INGEST_SPOOL_DIR: `/tmp/rollwatch-dashboard-e2e-${process.pid}`,
    ROLLWATCH_API_TOKEN: WRITE_TOKEN,
    ROLLWATCH_READ_TOKEN: READ_TOKEN,
    DETECTOR_EVALUATION_INTERVAL_MS: '1000',
  };
  stack = await startServices({ env, ports: { ingest: 0, detector: 0, alerts: 0 } });
  base = url('detector', '');
  browser = await launchBrowser();
  browser.page.on('dialog', (dialog) => void dialog.accept());
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('the dashboard is behind the API token: a browser without it gets a sign-in page, an API client JSON', async () => {
  const html = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
  assert.equal(html.status, 401);
  assert.match(await html.text(), /name="access_token"/);
  const json = await fetch(`${base}/rollouts/x`);
  assert.equal(json.status, 401);
  assert.equal(((await json.json()) as { field: string }).field, 'authorization');
  const wrong = await fetch(`${base}/?access_token=nope`);
  assert.equal(wrong.status, 403);
});

test('deep links get the app (SPA fallback); unknown API paths and missing files stay 404', async () => {
  const deep = await fetch(`${base}/rollouts/anything`, { headers: { ...auth(READ_TOKEN), accept: 'text/html' } });
  assert.equal(deep.status, 200);
  assert.match(await deep.text(), /<main id="app"/);
  const api = await fetch(`${base}/api/v1/nope`, { headers: auth(READ_TOKEN) });
  assert.equal(api.status, 404);
  assert.match(api.headers.get('content-type') ?? '', /json/);
  assert.equal((await fetch(`${base}/assets/missing.js`, { headers: auth(READ_TOKEN) })).status, 404);
});

test('override: bad input is a 400 naming the field, a read token may not override', async () => {
  const bad = await fetch(`${base}/api/v1/rollouts/${rollout}/override`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'maybe', reason: 'x', by: 'me' }) });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { field: string }).field, 'decision');
  const missing = await fetch(`${base}/api/v1/rollouts/${rollout}/override`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'go', by: 'me' }) });
  assert.deepEqual([missing.status, ((await missing.json()) as { field: string }).field], [400, 'reason']);
  const readOnly = await fetch(`${base}/api/v1/rollouts/${rollout}/override`, { method: 'POST', headers: { ...auth(READ_TOKEN), 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'go', reason: 'x', by: 'me' }) });
  assert.equal(readOnly.status, 403);
});

test('a bad canary turns no-go live on the rollouts page, the detail page charts both groups, an override is recorded', { timeout: 180_000 }, async () => {
  const { page } = browser;
  const now = Date.now();
  await post(scenario(rollout, now - 10 * 60_000, now - 4 * 60_000, 'healthy'));

  // The token arrives once in the URL (as a link from an alert would carry it), then lives in the tab.
  await page.goto(`${base}/?access_token=${READ_TOKEN}`);
  const row = page.locator(`[data-testid="rollout-row"][data-rollout="${rollout}"]`);
  await row.waitFor({ timeout: 30_000 });
  assert.doesNotMatch(page.url(), /access_token/, 'the token is removed from the address bar');
  const before = await row.getAttribute('data-decision');
  assert.notEqual(before, 'no-go', `the healthy phase alone must not be no-go (got ${before})`);
  await page.waitForSelector('[data-testid="connection"][data-state="open"]', { timeout: 10_000 });
  // A marker on window survives only if the page is never reloaded.
  await page.evaluate('window.rollwatchMarker = 42');
  await browser.screenshot('rollouts-before');

  const fedAt = Date.now();
  await post(scenario(rollout, now - 4 * 60_000, now, 'bad'));
  await page.waitForSelector(`[data-testid="rollout-row"][data-rollout="${rollout}"][data-decision="no-go"]`, { timeout: 60_000 });
  const liveMs = Date.now() - fedAt;
  console.log(`# bad canary POSTed → row shows no-go in the browser after ${liveMs} ms (no reload)`);
  assert.equal(await page.evaluate('window.rollwatchMarker'), 42, 'the page was not reloaded');
  assert.equal(await row.locator('[data-testid="canary-instances"]').textContent(), '2');
  assert.equal(await row.locator('[data-testid="baseline-instances"]').textContent(), '3');
  await browser.screenshot('rollouts-no-go');

  // Detail page, reached by clicking (client-side navigation).
  await row.locator('a').first().click();
  await page.waitForSelector('[data-testid="decision"][data-decision="no-go"]', { timeout: 15_000 });
  await page.waitForSelector('[data-testid="reason"]', { timeout: 15_000 });
  // Polled from the test through $$eval (DevTools evaluation), not page.waitForFunction: its
  // in-page polling evaluates a string, which the dashboard's CSP (script-src 'self', no
  // 'unsafe-eval') refuses whenever the first check is not already true.
  await eventually(
    'a chart with both canary and baseline points',
    async () => ((await page.$$eval('[data-testid="chart"]', (els) => els.some((c) => Number(c.getAttribute('data-canary-points')) > 0 && Number(c.getAttribute('data-baseline-points')) > 0))) ? true : undefined),
    30_000,
  );
  const charts = await page.$$eval('[data-testid="chart"]', (els) =>
    els.map((e) => ({ signal: e.getAttribute('data-signal'), canary: Number(e.getAttribute('data-canary-points')), baseline: Number(e.getAttribute('data-baseline-points')), canvas: e.querySelector('canvas') !== null })),
  );
  console.log(`# charts: ${charts.map((c) => `${c.signal}(${c.canary}/${c.baseline})`).join(' ')}`);
  const withBoth = charts.filter((c) => c.canary > 0 && c.baseline > 0);
  assert.ok(withBoth.length > 0, 'at least one signal has canary and baseline data');
  assert.ok(charts.every((c) => c.canvas), 'every chart is drawn by uPlot');
  const hostRows = await page.$$eval('[data-testid="host-row"]', (els) => els.map((e) => `${e.getAttribute('data-attribute')}=${e.getAttribute('data-value')}`));
  console.log(`# host attributes: ${hostRows.join(', ')}`);
  const templates = await page.locator('[data-testid="templates"]').textContent();
  console.log(`# templates panel: ${(templates ?? '').slice(0, 200)}`);
  await browser.screenshot('rollout-detail-no-go');

  // Override with a reason. The read token is refused (and the page says why)...
  const override = async (): Promise<void> => {
    await page.fill('[data-testid="override-reason"]', 'confirmed by on-call: cache volume is read-only on 6.8 nodes');
    await page.fill('[data-testid="override-by"]', 'e2e-sre');
    await page.selectOption('[data-testid="override-decision"]', 'no-go');
    await page.click('[data-testid="override-submit"]');
  };
  await override();
  await page.waitForSelector('[data-testid="override-result"].error', { timeout: 15_000 });
  assert.match((await page.locator('[data-testid="override-result"]').textContent()) ?? '', /write token/);
  // ...the write token records it: in the actions list of the page and in the actions API.
  await page.goto(`${base}/rollouts/${encodeURIComponent(rollout)}?access_token=${WRITE_TOKEN}`);
  await page.waitForSelector('[data-testid="decision"][data-decision="no-go"]', { timeout: 15_000 });
  await override();
  await page.waitForSelector('[data-testid="override-result"].ok', { timeout: 15_000 });
  await page.waitForSelector('[data-testid="action-row"][data-kind="override"]', { timeout: 15_000 });
  await browser.screenshot('rollout-detail-after-override');
  const actions = (await (await fetch(`${base}/api/v1/rollouts/${rollout}/actions`, { headers: auth(READ_TOKEN) })).json()) as { items: { kind: string; by?: string; status: string }[] };
  const recorded = actions.items.find((a) => a.kind === 'override');
  assert.ok(recorded, `override recorded in rollwatch-actions: ${JSON.stringify(actions.items)}`);
  assert.equal(recorded.by, 'e2e-sre');
  assert.equal(recorded.status, 'succeeded');

  // Keep one detail screenshot for the README (small: the viewport, not the full page).
  if (process.env.DASHBOARD_UPDATE_DOCS_SCREENSHOT === '1') {
    const target = path.join(REPO_ROOT, 'docs', 'images', 'rollout-detail.png');
    mkdirSync(path.dirname(target), { recursive: true });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: target, fullPage: false });
    console.log(`# docs screenshot: ${target} (${statSync(target).size} bytes)`);
  }
  copyFileSync(path.join(REPO_ROOT, 'artifacts', 'screenshots', 'rollout-detail-no-go.png'), path.join(REPO_ROOT, 'artifacts', 'screenshots', 'latest-rollout-detail.png'));
});

test('the events page filters by rollout, group and type, and searches messages', { timeout: 60_000 }, async () => {
  const { page } = browser;
  await page.goto(`${base}/events?rollout=${rollout}&group=canary&type=oom_killed`);
  await page.waitForSelector('[data-testid="event-row"]', { timeout: 15_000 });
  const rows = await page.$$eval('[data-testid="event-row"]', (els) => els.map((e) => [e.getAttribute('data-group'), e.getAttribute('data-type')]));
  assert.deepEqual(rows, [['canary', 'oom_killed']]);

  await page.fill('[data-testid="filter-q"]', 'read-only');
  await page.selectOption('[data-testid="filter-type"]', '');
  await page.selectOption('[data-testid="filter-size"]', '25');
  await page.click('[data-testid="event-filters"] button[type="submit"]');
  await page.waitForURL(/q=read-only/);
  await eventually('25 event rows', async () => ((await page.$$eval('[data-testid="event-row"]', (els) => els.length)) === 25 ? true : undefined), 15_000);
  const messages = await page.$$eval('[data-testid="event-row"] td.message', (els) => els.map((e) => e.textContent ?? ''));
  assert.ok(messages.every((m) => m.includes('read-only file system')), NEW_TEMPLATE_LINE);
  const status = await page.locator('[data-testid="status"]').textContent();
  assert.match(status ?? '', /^1–25 of \d+/);
  await page.click('[data-testid="next"]');
  await page.waitForURL(/from=25/);
  await page.waitForSelector('[data-testid="status"]:has-text("26–")', { timeout: 15_000 });
  await browser.screenshot('events');
});
