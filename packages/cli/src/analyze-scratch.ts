// Scratch files for `rollwatch analyze`'s on-disk sort: a private temp directory, removed afterwards.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ScratchFile, ScratchIo } from '@rollwatch/analysis';

export function fsScratch(base: string = tmpdir()): ScratchIo {
  let dir: Promise<string> | undefined;
  let n = 0;
  return {
    async create(): Promise<ScratchFile> {
      const d = await (dir ??= mkdtemp(path.join(base, 'rollwatch-analyze-')));
      const file = path.join(d, `run-${++n}.ndjson`);
      const out = createWriteStream(file);
      return {
        path: file,
        async write(text: string): Promise<void> {
          if (!out.write(text)) await once(out, 'drain');
        },
        async close(): Promise<void> {
          out.end();
          await once(out, 'finish');
        },
      };
    },
    open: (file) => createReadStream(file),
    async cleanup(): Promise<void> {
      if (dir) await rm(await dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}
