/**
 * Host facts attached to every event, so a bad canary can be told apart from a bad host (a kernel,
 * runtime or storage driver that only some hosts run). Read once per engine connection from
 * `GET /info` and `GET /version`; Docker and Podman fill different fields, both are handled.
 */
export interface EngineFacts {
  /** Engine name (`/info` Name): the host the containers run on. */
  host: string;
  engine: 'docker' | 'podman';
  hostAttributes: Record<string, string>;
}

interface Commit { ID?: string }
interface InfoPayload {
  Name?: string; KernelVersion?: string; ServerVersion?: string; Driver?: string; CgroupVersion?: string;
  OperatingSystem?: string; OSVersion?: string; Architecture?: string;
  ContainerdCommit?: Commit; RuncCommit?: Commit; SystemTime?: string;
}
interface VersionPayload {
  Version?: string; KernelVersion?: string;
  Components?: { Name?: string; Version?: string }[] | null;
}

/** "runc version 1.1.5+ds1\ncommit: …" → "1.1.5+ds1"; "v1.7.2" stays as is. */
function firstVersionToken(text: string): string {
  const firstLine = text.split('\n')[0]!.trim();
  const match = /version\s+(\S+)/i.exec(firstLine);
  return match ? match[1]! : firstLine;
}

export function engineFacts(infoJson: unknown, versionJson: unknown): EngineFacts {
  const info = (infoJson ?? {}) as InfoPayload;
  const version = (versionJson ?? {}) as VersionPayload;
  const components = version.Components ?? [];
  const podman = components.some((c) => /podman/i.test(c.Name ?? ''));
  const component = (pattern: RegExp): string | undefined => {
    const c = components.find((x) => pattern.test(x.Name ?? ''));
    return c?.Version ? firstVersionToken(c.Version) : undefined;
  };
  const attrs: Record<string, string | undefined> = {
    kernel: info.KernelVersion || version.KernelVersion,
    engine: podman ? 'podman' : 'docker',
    engineVersion: info.ServerVersion || version.Version,
    // Docker reports commits in /info and versions in /version Components; Podman only the latter.
    containerdVersion: component(/^containerd$/i) ?? (info.ContainerdCommit?.ID || undefined),
    runcVersion: component(/runc|OCI Runtime/i) ?? (info.RuncCommit?.ID || undefined),
    storageDriver: info.Driver,
    cgroupVersion: info.CgroupVersion,
    os: info.OSVersion && info.OperatingSystem && !info.OperatingSystem.includes(info.OSVersion)
      ? `${info.OperatingSystem} ${info.OSVersion}`
      : info.OperatingSystem,
    arch: info.Architecture,
  };
  const hostAttributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v) hostAttributes[k] = v.slice(0, 4096);
  return { host: (info.Name || 'unknown').slice(0, 256), engine: podman ? 'podman' : 'docker', hostAttributes };
}
