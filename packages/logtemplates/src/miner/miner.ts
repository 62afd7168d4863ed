// Online template miner: preprocess -> mask -> tokenise -> Drain tree -> cluster update.
// Memory is bounded by maxClusters (LRU eviction of the least recently matched cluster) and by
// maxExamples/maxExampleLength per cluster; nothing else grows with the input.
import { applyMasks, compileMasks, WILDCARD } from "./masks.js";
import { resolveOptions, type MinerOptions } from "./options.js";
import { preprocessMessage, tokenize } from "./preprocess.js";
import { bestMatch, findLeaf, insertCluster, mergeInto, newNode, removeCluster, type TreeNode } from "./tree.js";
import { templateId } from "./ids.js";

export interface AddResult {
  templateId: string;
  template: string;
  /** True when the message created the cluster or generalised its template. */
  changed: boolean;
  /** Creation sequence number (1-based) of the cluster; compact per-line reference for callers. */
  seq: number;
}

export interface MatchResult {
  templateId: string;
  template: string;
  seq: number;
}

export interface TemplateInfo {
  id: string;
  seq: number;
  template: string;
  count: number;
  firstExample: string;
  examples: string[];
}

interface Cluster {
  seq: number;
  id: string;
  tokens: string[];
  count: number;
  examples: string[];
  extraLayers: number;
  leaf: TreeNode | undefined;
}

export class TemplateMiner {
  readonly options: Readonly<MinerOptions>;
  private readonly root = newNode();
  private readonly rules;
  /** Live clusters by seq; Map iteration order doubles as the LRU order (oldest first). */
  private readonly clusters = new Map<number, Cluster>();
  private nextSeq = 1;
  private evictedCount = 0;
  /** Called with the final state of a cluster right before it is evicted. */
  onEvict: ((info: TemplateInfo) => void) | undefined;

  constructor(opts: Partial<MinerOptions> = {}) {
    this.options = Object.freeze(resolveOptions(opts));
    this.rules = compileMasks(this.options.masks);
  }

  /** Preprocessed, masked tokens of a raw line (exposed for tests and parameter extraction). */
  tokens(line: string): string[] {
    return this.prepare(line).tokens;
  }

  private prepare(line: string): { tokens: string[]; extra: number } {
    const o = this.options;
    const pre = preprocessMessage(line, o);
    return { tokens: tokenize(applyMasks(pre.text, this.rules), o.extraDelimiters), extra: pre.tagged ? 1 : 0 };
  }

  add(line: string): AddResult {
    const { tokens, extra } = this.prepare(line);
    const leaf = findLeaf(this.root, tokens, this.options, extra);
    const found = leaf ? bestMatch(leaf.clusters as Cluster[], tokens, this.options.simThreshold) : undefined;
    if (found) {
      const changed = mergeInto(found.tokens, tokens);
      found.count++;
      this.keepExample(found, line);
      this.touch(found);
      return { templateId: found.id, template: found.tokens.join(" "), changed, seq: found.seq };
    }
    const seq = this.nextSeq++;
    const text = tokens.join(" ");
    const cluster: Cluster = { seq, id: templateId(text, seq), tokens, count: 1, examples: [], extraLayers: extra, leaf: undefined };
    this.keepExample(cluster, line);
    insertCluster(this.root, cluster, this.options);
    this.clusters.set(seq, cluster);
    if (this.clusters.size > this.options.maxClusters) this.evictOldest();
    return { templateId: cluster.id, template: text, changed: true, seq };
  }

  /**
   * Read-only lookup: the cluster whose every non-wildcard token equals the message's (Drain3's
   * "match" with full similarity). Does not update counts, templates or recency.
   */
  match(line: string): MatchResult | undefined {
    const { tokens, extra } = this.prepare(line);
    const leaf = findLeaf(this.root, tokens, this.options, extra);
    if (!leaf) return undefined;
    for (const c of leaf.clusters as Cluster[]) {
      if (c.tokens.every((t, i) => t === WILDCARD || t === tokens[i])) {
        return { templateId: c.id, template: c.tokens.join(" "), seq: c.seq };
      }
    }
    return undefined;
  }

  /** Current template of a live cluster by its sequence number. */
  bySeq(seq: number): TemplateInfo | undefined {
    const c = this.clusters.get(seq);
    return c ? info(c) : undefined;
  }

  /** Live templates, most frequent first (ties by creation order). */
  templates(): TemplateInfo[] {
    return [...this.clusters.values()].map(info).sort((a, b) => b.count - a.count || a.seq - b.seq);
  }

  get size(): number {
    return this.clusters.size;
  }

  get evictions(): number {
    return this.evictedCount;
  }

  private keepExample(c: Cluster, line: string): void {
    if (c.examples.length >= this.options.maxExamples) return;
    const max = this.options.maxExampleLength;
    c.examples.push(line.length > max ? line.slice(0, max) : line);
  }

  private touch(c: Cluster): void {
    this.clusters.delete(c.seq);
    this.clusters.set(c.seq, c);
  }

  private evictOldest(): void {
    const oldest = this.clusters.values().next().value as Cluster | undefined;
    if (!oldest) return;
    this.onEvict?.(info(oldest));
    this.clusters.delete(oldest.seq);
    removeCluster(oldest);
    this.evictedCount++;
  }
}

function info(c: Cluster): TemplateInfo {
  return {
    id: c.id,
    seq: c.seq,
    template: c.tokens.join(" "),
    count: c.count,
    firstExample: c.examples[0] ?? "",
    examples: [...c.examples],
  };
}
