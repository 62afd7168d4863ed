import { createHash } from 'node:crypto';

/** Stable key → partition mapping for the embedded bus. */
export function partitionFor(key: string, partitions: number): number {
  const digest = createHash('md5').update(key).digest();
  return digest.readUInt32BE(0) % partitions;
}
