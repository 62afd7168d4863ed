// `docker compose config` on the repository's compose file. A `*.host.test.ts`: it needs a compose
// client (Debian package `docker-compose`, which `npm test` provisions), so `npm run test:unit` leaves
// it out; without a client it fails, never skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function composeCommand(): string[] | undefined {
  if (spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0) return ['docker-compose'];
  return undefined;
}

test('docker-compose.yml passes `docker compose config`', () => {
  const command = composeCommand();
  assert.ok(command, 'no docker compose client found; `node scripts/provision.mjs` (run by `npm test`) installs docker-compose');
  const [bin, ...args] = command;
  const env = { ...process.env, ROLLWATCH_API_TOKEN: 'compose-test-token' };
  const result = spawnSync(bin!, [...args, '-f', `${root}docker-compose.yml`, 'config', '-q'], { cwd: root, encoding: 'utf8', env });
  assert.equal(result.status, 0, `${command.join(' ')} config failed:\n${result.stderr}`);
  // Secure by default: without the token the stack does not even render.
  const { ROLLWATCH_API_TOKEN: _unset, ...noToken } = process.env;
  const refused = spawnSync(bin!, [...args, '-f', `${root}docker-compose.yml`, 'config', '-q'], { cwd: root, encoding: 'utf8', env: noToken });
  assert.notEqual(refused.status, 0, 'docker compose config must fail without ROLLWATCH_API_TOKEN');
  assert.match(refused.stderr, /ROLLWATCH_API_TOKEN/);
});
