// Online template miner: preprocess -> mask -> tokenise -> Drain tree -> cluster update.
// Memory is bounded by maxClusters (LRU eviction of the least recently matched cluster) and by
// maxExamples/maxExampleLength per cluster; nothing else grows with the input.
import { applyGated, compileMaskPlan, WILDCARD, type MaskPlan } from "./masks.js";
import { resolveOptions, type MinerOptions } from "./options.js";
import { preprocessMessage } from "./preprocess.js";
import { constantLetters, foldTokensInPlace } from "./shape.js";
import { TokenShaper } from "./token-shaper.js";
import { bestMatch, findLeaf, insertCluster, keyMatches, prefixLayers, mergeInto, newNode, removeCluster, similarity, subsumes, type TreeNode } from "./tree.js";
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
  /** Sequence numbers of clusters merged into this one (they forward here while it lives). */
  absorbed: number[];
  /** tokens.join(" "), cached: built once per change instead of once per line. */
  text: string | undefined;
  /** Miner tick of the last LRU re-insertion. */
  touchedAt: number;
}

function templateText(c: Cluster): string {
  return (c.text ??= c.tokens.join(" "));
}

const SHAPE_CACHE_SIZE = 50_000;
const LRU_SLACK = 64;
const MAX_FORWARDS = 256;

/** How far the approximate LRU may drift from exact: a sixteenth of the capacity, at most LRU_SLACK. */
const lruSlackFor = (maxClusters: number): number => Math.min(LRU_SLACK, Math.floor(maxClusters / 16));

export class TemplateMiner {
  readonly options: Readonly<MinerOptions>;
  private readonly root = newNode();
  private readonly plan: MaskPlan;
  private readonly shapeDigits: boolean;
  /**
   * Tokeniser with a bounded cache of token shapes. Most tokens of a log stream are words seen
   * many times before, so this skips nearly all per-token regex work.
   */
  private readonly shaper: TokenShaper;
  /** Live clusters by seq; Map iteration order doubles as the LRU order (oldest first). */
  private readonly clusters = new Map<number, Cluster>();
  private nextSeq = 1;
  /** Lines added so far (drives the approximate LRU, see touch). */
  private tick = 0;
  private lruSlack: number;
  /** Live clusters kept at most (options.maxClusters, changed by setMaxClusters). */
  private clusterLimit: number;
  private evictedCount = 0;
  /** Absorbed cluster seq -> live cluster seq (entries go when the target is evicted). */
  private readonly forward = new Map<number, number>();
  /** Called with the final state of a cluster right before it is evicted. */
  onEvict: ((info: TemplateInfo) => void) | undefined;
  /** Called when a cluster is merged into another (its lines now belong to `into`). */
  onMerge: ((fromSeq: number, intoSeq: number) => void) | undefined;

  constructor(opts: Partial<MinerOptions> = {}) {
    this.options = Object.freeze(resolveOptions(opts));
    this.plan = compileMaskPlan(this.options.masks);
    this.clusterLimit = this.options.maxClusters;
    this.lruSlack = lruSlackFor(this.clusterLimit);
    this.shapeDigits = this.options.masks.includes("number");
    this.shaper = new TokenShaper(this.plan.token, this.shapeDigits, SHAPE_CACHE_SIZE);
  }

  /** Preprocessed, masked tokens of a raw line (exposed for tests and parameter extraction). */
  tokens(line: string): string[] {
    return this.prepare(line).tokens;
  }

  private prepare(line: string): { tokens: string[]; extra: number } {
    const o = this.options;
    const pre = preprocessMessage(line, o);
    let text = applyGated(pre.text, this.plan.line);
    for (const d of o.extraDelimiters) text = text.split(d).join(" ");
    const tokens = this.shaper.tokens(text);
    return { tokens: this.shapeDigits ? foldTokensInPlace(tokens) : tokens, extra: pre.tagged ? 1 : 0 };
  }

  add(line: string): AddResult {
    const { tokens, extra } = this.prepare(line);
    const o = this.options;
    const leaf = findLeaf(this.root, tokens, o, extra);
    let found = leaf ? bestMatch(leaf.clusters as Cluster[], tokens, o.simThreshold, o.constantEvidence, o.messageWords) : undefined;
    if (!found) {
      const wild = findLeaf(this.root, tokens, o, extra, true);
      if (wild && wild !== leaf) found = bestMatch(wild.clusters as Cluster[], tokens, o.simThreshold, o.constantEvidence, o.messageWords);
    }
    const target = found ?? (leaf ? this.varietyMerge(leaf, tokens) : undefined);
    if (target) {
      const found = target;
      const changed = mergeInto(found.tokens, tokens);
      found.count++;
      if (changed) {
        found.text = undefined;
        this.absorbSubsumed(found);
      }
      this.keepExample(found, line);
      this.touch(found);
      return { templateId: found.id, template: templateText(found), changed, seq: found.seq };
    }
    const seq = this.nextSeq++;
    const text = tokens.join(" ");
    const cluster: Cluster = { seq, id: templateId(text, seq), tokens, count: 1, examples: [], extraLayers: extra, leaf: undefined, absorbed: [], text, touchedAt: this.tick - this.lruSlack };
    this.keepExample(cluster, line);
    insertCluster(this.root, cluster, this.options);
    this.clusters.set(seq, cluster);
    if (this.clusters.size > this.clusterLimit) this.evictOldest();
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
        return { templateId: c.id, template: templateText(c), seq: c.seq };
      }
    }
    return undefined;
  }

  /** The live cluster a sequence number now belongs to (clusters absorbed by a merge forward to the survivor). */
  resolveSeq(seq: number): number {
    return this.forward.get(seq) ?? seq;
  }

  /**
   * Variety criterion: a message kept apart because a word differed (blocksMerge) turns that
   * position into a variable once `wordVariety` different words have been seen there among
   * templates that agree everywhere else. Two or three words side by side are kept apart as
   * constants ("startup"/"shutdown", "ee0"/"alt0"); many are a variable (user names).
   */
  private varietyMerge(leaf: TreeNode, tokens: readonly string[]): Cluster | undefined {
    const k = this.options.wordVariety;
    const byPos = new Map<number, Cluster[]>();
    for (const c of leaf.clusters as Cluster[]) {
      const p = singleWordDifference(c.tokens, tokens);
      if (p < 0 || similarity(c.tokens, tokens) < this.options.simThreshold) continue;
      const list = byPos.get(p);
      if (list) list.push(c);
      else byPos.set(p, [c]);
    }
    for (const [p, list] of byPos) {
      if (list.length + 1 < k) continue;
      // A dominant word beside rare ones is a constant with rare siblings ("root" x 351 beside
      // "guest" x 17 and "test" x 4), not a variable: values of a variable spread out.
      let total = 1;
      let top = 1;
      for (const c of list) {
        total += c.count;
        top = Math.max(top, c.count);
      }
      if (top / total > this.options.dominantShare) continue;
      list.sort((a, b) => a.seq - b.seq);
      const survivor = list[0] as Cluster;
      survivor.tokens[p] = WILDCARD;
      survivor.text = undefined;
      // A generalised routing token moves the template to the wildcard branch, and its siblings
      // may sit in other leaves: look for them among all templates.
      const routed = p < prefixLayers(this.options, survivor.tokens.length, survivor.extraLayers);
      if (routed) {
        removeCluster(survivor);
        insertCluster(this.root, survivor, this.options);
      }
      this.absorbSubsumed(survivor, routed, new Set(list));
      return survivor;
    }
    return undefined;
  }

  /**
   * Templates merge as variables are discovered: once a cluster's template generalised, a sibling
   * cluster whose template it now covers (a value that was kept apart as a possible constant) is
   * folded into it. The survivor is the older cluster's id when that is the one generalised; the
   * absorbed id forwards to it (resolveSeq, onMerge), so ids already handed out stay meaningful.
   */
  private absorbSubsumed(c: Cluster, everywhere = false, variety: ReadonlySet<Cluster> = new Set()): void {
    const leaf = c.leaf;
    if (!leaf) return;
    const pool = everywhere ? [...this.clusters.values()] : [...(leaf.clusters as Cluster[])];
    for (const s of pool) {
      if (s === c || s.tokens.length !== c.tokens.length || !subsumes(c.tokens, s.tokens)) continue;
      // A template whose word has held long enough is a constant (blocksMerge); a sibling that
      // generalised does not swallow it (only a variety merge, which weighs dominance, does). Siblings of a variety merge are the variety itself.
      if (!variety.has(s) && holdsWordWhereVariable(c.tokens, s, this.options.constantEvidence)) continue;
      c.count += s.count;
      for (const ex of s.examples) if (c.examples.length < this.options.maxExamples) c.examples.push(ex);
      removeCluster(s);
      this.clusters.delete(s.seq);
      for (const a of [s.seq, ...s.absorbed]) {
        this.forward.set(a, c.seq);
        c.absorbed.push(a);
      }
      // Bounded like everything else: the oldest forwards go first (onMerge callers keep their own).
      while (c.absorbed.length > MAX_FORWARDS) this.forward.delete(c.absorbed.shift() as number);
      this.onMerge?.(s.seq, c.seq);
    }
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

  /** The current bound on live clusters. */
  get maxClusters(): number {
    return this.clusterLimit;
  }

  /**
   * Changes the bound on live clusters (a caller whose memory budget is configured at run time,
   * such as the detector's `logTemplates.maxTemplates`). Lowering it evicts the least recently
   * matched clusters at once, through onEvict like any eviction.
   */
  setMaxClusters(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError("maxClusters must be an integer >= 1");
    this.clusterLimit = n;
    this.lruSlack = lruSlackFor(n);
    while (this.clusters.size > n) this.evictOldest();
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
    // Re-inserting into the Map (its order is the LRU order) costs on every line; a cluster used
    // within the last few lines (a sixteenth of the capacity, at most LRU_SLACK) keeps its place,
    // so the eviction order stays within that distance of exact LRU.
    this.tick++;
    if (this.tick - c.touchedAt < this.lruSlack) return;
    c.touchedAt = this.tick;
    this.clusters.delete(c.seq);
    this.clusters.set(c.seq, c);
  }

  private evictOldest(): void {
    const oldest = this.clusters.values().next().value as Cluster | undefined;
    if (!oldest) return;
    this.onEvict?.(info(oldest));
    this.clusters.delete(oldest.seq);
    for (const a of oldest.absorbed) this.forward.delete(a);
    removeCluster(oldest);
    this.evictedCount++;
  }
}

/**
 * The one position where a template and a message hold different words (both with constant
 * letters) while agreeing everywhere else, or -1.
 */
/** True when `s` has held, for `evidence` lines or more, a word where `general` has a wildcard. */
function holdsWordWhereVariable(general: readonly string[], s: Cluster, evidence: number): boolean {
  if (s.count < evidence) return false;
  for (let i = 0; i < general.length; i++) {
    if (general[i] === WILDCARD && s.tokens[i] !== WILDCARD && constantLetters(s.tokens[i] as string) !== "") return true;
  }
  return false;
}

const PLAIN_WORD = /^(?:[A-Za-z_][\w.-]*[=:])?["'([]?[A-Za-z][A-Za-z_.-]*["')\]]?[,;:.]?$/;

function singleWordDifference(template: readonly string[], tokens: readonly string[]): number {
  let pos = -1;
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as string;
    const w = tokens[i] as string;
    if (t === w || t === WILDCARD || keyMatches(t, w)) continue;
    if (pos >= 0) return -1;
    // Only plain words count towards variety; glued names ("ee0", "alt0") keep their letters.
    if (!PLAIN_WORD.test(t) || !PLAIN_WORD.test(w)) return -1;
    pos = i;
  }
  return pos;
}

function info(c: Cluster): TemplateInfo {
  return {
    id: c.id,
    seq: c.seq,
    template: templateText(c),
    count: c.count,
    firstExample: c.examples[0] ?? "",
    examples: [...c.examples],
  };
}
