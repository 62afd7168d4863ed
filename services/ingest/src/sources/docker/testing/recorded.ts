/**
 * Payloads recorded from Podman 4.3.1's Docker-compatible API on this project's test machines, and
 * Docker 24's documented shapes, used by the unit tests of the pure mapping logic.
 */
export const PODMAN_DIE_137 =
  '{"status":"die","id":"5de3131f407069d7039d7ebea8d6edd0d17fa56eddbef765080bbe640453290f","from":"localhost/rwbusybox:test","Type":"container","Action":"die","Actor":{"ID":"5de3131f407069d7039d7ebea8d6edd0d17fa56eddbef765080bbe640453290f","Attributes":{"containerExitCode":"137","exitCode":"137","image":"localhost/rwbusybox:test","name":"oom1","podId":""}},"scope":"local","time":1795563408,"timeNano":1795563408319452370}';

export const PODMAN_START_LABELLED =
  '{"status":"start","id":"4b5103fd45d0228cba072ce3cca867bb5c2565faeb91442c75bc0a43f4042f19","from":"localhost/rwbusybox:test","Type":"container","Action":"start","Actor":{"ID":"4b5103fd45d0228cba072ce3cca867bb5c2565faeb91442c75bc0a43f4042f19","Attributes":{"containerExitCode":"0","image":"localhost/rwbusybox:test","name":"ex1","podId":"","rollwatch.io/group":"canary","rollwatch.io/rollout":"demo"}},"scope":"local","time":1795563406,"timeNano":1795563406080884775}';

export const PODMAN_HEALTH_STARTING =
  '{"status":"health_status","id":"ff88a6a51a75185f972f66fec6d9328221324222a67e413d1a67f6250e635040","from":"localhost/rwbusybox:test","Type":"container","Action":"health_status","Actor":{"ID":"ff88a6a51a75185f972f66fec6d9328221324222a67e413d1a67f6250e635040","Attributes":{"containerExitCode":"0","image":"localhost/rwbusybox:test","name":"hc1","podId":""}},"scope":"local","time":1795563412,"timeNano":1795563412435185295,"HealthStatus":"starting"}';

export const DOCKER_HEALTH_UNHEALTHY =
  '{"status":"health_status: unhealthy","id":"aaaa000000000000000000000000000000000000000000000000000000000001","from":"app:1.2.3","Type":"container","Action":"health_status: unhealthy","Actor":{"ID":"aaaa000000000000000000000000000000000000000000000000000000000001","Attributes":{"image":"app:1.2.3","name":"web-canary","com.docker.compose.service":"web"}},"scope":"local","time":1795563500,"timeNano":1795563500123456789}';

export const DOCKER_OOM =
  '{"status":"oom","id":"aaaa000000000000000000000000000000000000000000000000000000000001","from":"app:1.2.3","Type":"container","Action":"oom","Actor":{"ID":"aaaa000000000000000000000000000000000000000000000000000000000001","Attributes":{"image":"app:1.2.3","name":"web-canary"}},"scope":"local","time":1795563501,"timeNano":1795563501000000001}';

export const DOCKER_DIE_137 =
  '{"status":"die","id":"aaaa000000000000000000000000000000000000000000000000000000000001","from":"app:1.2.3","Type":"container","Action":"die","Actor":{"ID":"aaaa000000000000000000000000000000000000000000000000000000000001","Attributes":{"exitCode":"137","image":"app:1.2.3","name":"web-canary"}},"scope":"local","time":1795563501,"timeNano":1795563501000500000}';

export const DOCKER_IMAGE_EVENT =
  '{"status":"pull","id":"busybox:latest","Type":"image","Action":"pull","Actor":{"ID":"busybox:latest","Attributes":{"name":"busybox"}},"scope":"local","time":1795563501,"timeNano":1795563501000000000}';

/** `GET /containers/{id}/json` of a Podman container that failed one health check. */
export const PODMAN_INSPECT_UNHEALTHY = {
  Id: 'ff88a6a51a75185f972f66fec6d9328221324222a67e413d1a67f6250e635040',
  Name: 'hc1',
  RestartCount: 0,
  Config: { Labels: { 'rollwatch.io/rollout': 'demo', 'rollwatch.io/group': 'canary' }, Image: 'localhost/rwbusybox:test', Tty: false },
  HostConfig: { Memory: 0 },
  State: {
    Status: 'running', Running: true, OOMKilled: false, ExitCode: 0,
    StartedAt: '2026-11-24T23:36:58.641425906Z', FinishedAt: '0001-01-01T00:00:00Z',
    Health: { Status: 'unhealthy', FailingStreak: 1, Log: [{ Start: '2026-11-24T23:36:59.664026126Z', End: '2026-11-24T23:36:59.749288863Z', ExitCode: 1, Output: 'probe failed\n' }] },
  },
};

/** `/info` and `/version` of Podman 4.3.1 (trimmed). */
export const PODMAN_INFO = {
  Name: 'vm', KernelVersion: '6.18.44-fc-v769', ServerVersion: '4.3.1', Driver: 'overlay', CgroupVersion: '1',
  OperatingSystem: 'debian', OSVersion: '12', Architecture: 'amd64',
  ContainerdCommit: { ID: '', Expected: '' }, RuncCommit: { ID: '', Expected: '' }, SystemTime: '2026-11-24T23:36:39.137402278Z',
};
export const PODMAN_VERSION = {
  Components: [
    { Name: 'Podman Engine', Version: '4.3.1' },
    { Name: 'Conmon', Version: 'conmon version 2.1.6, commit: unknown' },
    { Name: 'OCI Runtime (runc)', Version: 'runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev' },
  ],
  Version: '4.3.1', KernelVersion: '6.18.44-fc-v769',
};
/** Docker 24 (trimmed). */
export const DOCKER_INFO = {
  Name: 'node-7', KernelVersion: '5.15.0-91-generic', ServerVersion: '24.0.7', Driver: 'overlay2', CgroupVersion: '2',
  OperatingSystem: 'Ubuntu 22.04.3 LTS', OSVersion: '22.04', Architecture: 'x86_64',
  ContainerdCommit: { ID: '091922f03c2762540fd057fba91260237ff86acb' }, RuncCommit: { ID: 'v1.1.10-0-g18a0cb0' },
};
export const DOCKER_VERSION = {
  Components: [
    { Name: 'Engine', Version: '24.0.7' },
    { Name: 'containerd', Version: '1.6.26' },
    { Name: 'runc', Version: '1.1.10' },
    { Name: 'docker-init', Version: '0.19.0' },
  ],
  Version: '24.0.7',
};
