// Template ids. A cluster's template text generalises as it absorbs messages, so the id cannot be a
// hash of the current text. It is fixed at creation: 8 hex digits of FNV-1a over the first
// (masked) template text, then "-", then the cluster's creation sequence number in this miner.
// Consequences (the CLI contract relies on the first): the same input file always yields the same
// ids; an id never changes while its cluster lives; the hash part lets a reader recognise "same
// first message" across runs even though the sequence part depends on what was seen before.

/** 32-bit FNV-1a over UTF-16 code units; tiny, deterministic, no dependency on node:crypto. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function templateId(firstTemplate: string, seq: number): string {
  return `${fnv1a32(firstTemplate).toString(16).padStart(8, "0")}-${seq}`;
}
