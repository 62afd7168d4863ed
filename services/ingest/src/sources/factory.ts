import type { Logger } from '@rollwatch/core';
import type { IngestConfig, SourceKind } from '../config.js';
import { createDockerSource } from './docker/docker-source.js';
import type { Source } from './interface.js';
import { createKubernetesSource } from './kubernetes/kubernetes-source.js';

/** One source of the given kind. `await` tolerates implementations that construct asynchronously. */
export async function createSource(kind: SourceKind, config: IngestConfig, logger: Logger): Promise<Source> {
  const child = logger.child({ source: kind });
  switch (kind) {
    case 'docker':
      return await createDockerSource(config, child);
    case 'kubernetes':
      return await createKubernetesSource(config, child);
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown source kind ${String(unreachable)}`);
    }
  }
}

/** The sources listed in INGEST_SOURCES; none (HTTP push only) when it is empty. */
export async function createSources(config: IngestConfig, logger: Logger): Promise<Source[]> {
  const kinds = [...new Set(config.INGEST_SOURCES)];
  const sources: Source[] = [];
  for (const kind of kinds) sources.push(await createSource(kind, config, logger));
  return sources;
}
