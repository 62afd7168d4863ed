import type { Node } from './types.js';

/** `containerd://1.7.2` → { engine: 'containerd', version: '1.7.2' }; `cri-o://1.28.1` → engine 'cri-o'. */
export function parseContainerRuntimeVersion(value: string | undefined): { engine: string; version?: string } | undefined {
  if (!value) return undefined;
  const match = /^([A-Za-z0-9._-]+):\/\/(.*)$/.exec(value.trim());
  if (!match) return { engine: value.trim() };
  const version = match[2]?.trim();
  return { engine: match[1]!.toLowerCase(), ...(version ? { version } : {}) };
}

/** `cri-o` → `crioVersion`, `containerd` → `containerdVersion`, `docker` → `dockerVersion`. */
function engineVersionKey(engine: string): string {
  const word = engine.replace(/[^a-z0-9]/gi, '').toLowerCase();
  return `${word}Version`;
}

/**
 * A node's facts as event `hostAttributes`: what differs between hosts and often explains why a
 * canary fails on some of them (kernel, runtime, kubelet, OS image, zone, instance type). Keys match
 * the Docker source's (`kernel`, `engine`, `engineVersion`, `containerdVersion`, `os`, `arch`), so
 * the detector compares hosts the same way whichever source saw them.
 */
export function nodeHostAttributes(node: Node, selectedLabels: readonly string[]): Record<string, string> {
  const info = node.status?.nodeInfo ?? {};
  const attrs: Record<string, string> = {};
  const put = (key: string, value: string | undefined) => {
    if (value) attrs[key] = value.slice(0, 4096);
  };
  put('kernel', info.kernelVersion);
  put('os', info.osImage);
  put('arch', info.architecture);
  put('kubeletVersion', info.kubeletVersion);
  put('containerRuntimeVersion', info.containerRuntimeVersion);
  const runtime = parseContainerRuntimeVersion(info.containerRuntimeVersion);
  if (runtime) {
    put('engine', runtime.engine);
    put('engineVersion', runtime.version);
    put(engineVersionKey(runtime.engine), runtime.version);
  }
  const labels = node.metadata?.labels ?? {};
  for (const key of selectedLabels) put(key, labels[key]);
  return attrs;
}
