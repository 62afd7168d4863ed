import { chmodSync, copyFileSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ensureDir, ManagedProcess, removeDir, run, runSync, tmpDir, which } from './util.js';

export const BUSYBOX_IMAGE = 'localhost/rollwatch-busybox:latest';
const BUSYBOX_APPLETS = ['sh', 'sleep', 'echo', 'cat', 'true', 'false', 'head', 'yes', 'dd', 'ls', 'env', 'kill', 'wget', 'nc', 'seq', 'tail', 'date'];

export interface PodmanEngine {
  /** `unix:///…/podman.sock`: the value for `DOCKER_HOST`. */
  dockerHost: string;
  socketPath: string;
  /** A tiny local image with /bin/busybox + applet symlinks (sh, sleep, echo, cat, true, false, head, yes, dd, …). */
  image: string;
  /** Private working dir (conf, storage, events log, service log). */
  dir: string;
  logFile: string;
  /** Env for running the podman CLI against the same storage and configuration. */
  env: NodeJS.ProcessEnv;
  /** Run the podman CLI against this engine's storage/config; resolves to stdout, rejects with its output on failure. */
  podman(args: string[]): Promise<string>;
  /** Remove all containers, stop the API service, delete the storage. */
  stop(): Promise<void>;
}

export interface PodmanOptions {
  /** Start-up timeout for the API service (default 30 s). */
  startTimeoutMs?: number;
}

/** GET a Docker API path over a unix socket (tiny helper for readiness checks and tests). */
export function dockerApiGet(socketPath: string, p: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: p, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

function mountsUnder(dir: string): string[] {
  try {
    return readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').map((m) => m.replace(/\\040/g, ' ')).filter((m) => m.startsWith(dir + '/'));
  } catch {
    return [];
  }
}

/**
 * Podman serving the Docker API on a private unix socket, with private storage, runc (crun fails
 * here), the ulimits the sandbox allows, a file events log, and the busybox image imported.
 */
export async function startPodman(opts: PodmanOptions = {}): Promise<PodmanEngine> {
  const bin = which('podman');
  if (!bin) throw new Error('startPodman: podman not found; install it: apt-get install -y podman runc busybox-static');
  if (!which('runc')) throw new Error('startPodman: runc not found; install it: apt-get install -y runc');
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!busybox) throw new Error('startPodman: /bin/busybox not found; install it: apt-get install -y busybox-static');

  const dir = tmpDir('podman');
  chmodSync(dir, 0o755);
  const socketPath = path.join(dir, 'podman.sock');
  const logFile = path.join(dir, 'service.log');
  const conf = path.join(dir, 'containers.conf');
  const storageConf = path.join(dir, 'storage.conf');
  writeFileSync(conf, [
    '[containers]',
    'default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]',
    '',
    '[engine]',
    'runtime = "runc"',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `events_logfile_path = "${path.join(dir, 'events.log')}"`,
    `tmp_dir = "${ensureDir(path.join(dir, 'libpod-tmp'))}"`,
    '',
  ].join('\n'));
  writeFileSync(storageConf, [
    '[storage]',
    'driver = "overlay"',
    `graphroot = "${ensureDir(path.join(dir, 'storage'))}"`,
    `runroot = "${ensureDir(path.join(dir, 'run'))}"`,
    '',
  ].join('\n'));
  const env: NodeJS.ProcessEnv = { ...process.env, CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storageConf };
  delete env.DOCKER_HOST;
  delete env.CONTAINER_HOST;
  // cwd = our temp dir: conmon writes files (e.g. an `oom` marker) into its working directory.
  const podman = (args: string[]): Promise<string> => run(bin, args, { env, cwd: dir });

  // The image: a rootfs with a static busybox and applet symlinks, imported from a tar.
  const rootfs = ensureDir(path.join(dir, 'rootfs'));
  ensureDir(path.join(rootfs, 'bin'));
  ensureDir(path.join(rootfs, 'tmp'));
  ensureDir(path.join(rootfs, 'etc'));
  copyFileSync(busybox, path.join(rootfs, 'bin', 'busybox'));
  chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  for (const a of BUSYBOX_APPLETS) symlinkSync('busybox', path.join(rootfs, 'bin', a));
  writeFileSync(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(path.join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  const tar = path.join(dir, 'rootfs.tar');
  runSync('tar', ['-C', rootfs, '-cf', tar, '.']);
  try {
    await podman(['import', '--change', 'CMD ["/bin/sh"]', '--change', 'ENV PATH=/bin', tar, BUSYBOX_IMAGE]);
  } catch (e) {
    removeDir(dir);
    throw new Error(`startPodman: podman import of the busybox rootfs failed: ${(e as Error).message}`, { cause: e });
  }

  const proc = new ManagedProcess('podman', bin, ['system', 'service', '--time=0', `unix://${socketPath}`], logFile, { env, cwd: dir });
  await proc.startUntilReady(`Podman API (unix://${socketPath})`, async () => existsSync(socketPath) && (await dockerApiGet(socketPath, '/v1.41/_ping', 2000)).status === 200, {
    timeoutMs: opts.startTimeoutMs ?? 30_000, intervalMs: 100, cleanup: () => removeDir(dir),
  });

  let stopped = false;
  return {
    dockerHost: `unix://${socketPath}`, socketPath, image: BUSYBOX_IMAGE, dir, logFile, env, podman,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await podman(['rm', '--all', '--force', '--time', '0']).catch(() => undefined);
      await proc.stop(10_000);
      await podman(['system', 'prune', '--all', '--force']).catch(() => undefined);
      for (const m of mountsUnder(dir).reverse()) {
        try { runSync('umount', ['-l', m]); } catch { /* best effort */ }
      }
      removeDir(dir);
    },
  };
}
