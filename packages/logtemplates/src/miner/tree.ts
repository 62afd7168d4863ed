// Drain's fixed-depth prefix tree (He et al., ICWS 2017; routing rules as in logpai/Drain3).
// Layer 1 is keyed by token count, the next (depth - 3) layers by the first tokens, and leaves hold
// candidate clusters. Fixed depth bounds the work per message regardless of how many clusters exist.
import { WILDCARD } from "./masks.js";
import { constantLetters } from "./shape.js";

export interface TreeNode {
  children: Map<string, TreeNode>;
  clusters: ClusterRef[];
  parent: TreeNode | undefined;
  key: string;
}

/** What the tree needs to know about a cluster. */
export interface ClusterRef {
  tokens: string[];
  /** Lines merged so far (how long the template's constant positions have held). */
  count: number;
  /** Extra leading routing layers (1 for syslog-tagged messages, see Preprocessed.tagged). */
  extraLayers: number;
  leaf: TreeNode | undefined;
}

export function newNode(parent?: TreeNode, key = ""): TreeNode {
  return { children: new Map(), clusters: [], parent, key };
}

/** Keys of the token-count layer, made once (String(n) per line would allocate). */
const LENGTH_KEYS: readonly string[] = Array.from({ length: 257 }, (_, n) => String(n));
const lengthKey = (n: number): string => LENGTH_KEYS[n] ?? String(n);

const hasDigit = (t: string): boolean => /\d/.test(t) || t.includes(WILDCARD);

export interface TreeParams {
  depth: number;
  maxChildren: number;
  parametrizeNumericTokens: boolean;
}

/**
 * Number of first-token layers below the token-count layer. Drain3 counts the root, the
 * token-count layer and the leaf layer in `depth`, so depth 4 routes on the first token only; the
 * last token is never used for routing (it is left to the similarity check).
 */
export const prefixLayers = (p: TreeParams, tokenCount: number, extra: number): number =>
  Math.max(0, Math.min(p.depth - 3 + extra, tokenCount - 1));

/**
 * Walk to the leaf a message would belong to, without creating nodes. With `viaWildcard` the walk
 * takes the wildcard child wherever there is one: the home of templates whose routing token was
 * generalised after they were created (miner.ts varietyMerge).
 */
export function findLeaf(root: TreeNode, tokens: readonly string[], p: TreeParams, extra = 0, viaWildcard = false): TreeNode | undefined {
  let node = root.children.get(lengthKey(tokens.length));
  for (let i = 0; node && i < prefixLayers(p, tokens.length, extra); i++) {
    const tok = tokens[i] as string;
    node = viaWildcard ? (node.children.get(WILDCARD) ?? node.children.get(tok)) : (node.children.get(tok) ?? node.children.get(WILDCARD));
  }
  return node;
}

function child(node: TreeNode, key: string): TreeNode {
  let c = node.children.get(key);
  if (!c) {
    c = newNode(node, key);
    node.children.set(key, c);
  }
  return c;
}

/** Insert a new cluster, creating its path. Returns the leaf it was put in. */
export function insertCluster(root: TreeNode, cluster: ClusterRef, p: TreeParams): TreeNode {
  const tokens = cluster.tokens;
  let node = child(root, lengthKey(tokens.length));
  for (let i = 0; i < prefixLayers(p, tokens.length, cluster.extraLayers); i++) {
    const tok = tokens[i] as string;
    const existing = node.children.get(tok);
    if (existing) {
      node = existing;
    } else if (tok === WILDCARD || (p.parametrizeNumericTokens && hasDigit(tok))) {
      // Tokens that look like values share one branch, otherwise every id would get its own.
      node = child(node, WILDCARD);
    } else if (node.children.has(WILDCARD)) {
      node = node.children.size < p.maxChildren ? child(node, tok) : child(node, WILDCARD);
    } else {
      // Keep the last slot for the wildcard child so overflowing tokens still have a home.
      node = node.children.size + 1 < p.maxChildren ? child(node, tok) : child(node, WILDCARD);
    }
  }
  node.clusters.push(cluster);
  cluster.leaf = node;
  return node;
}

/** Remove an evicted cluster and prune nodes that became empty, keeping the tree bounded too. */
export function removeCluster(cluster: ClusterRef): void {
  let node = cluster.leaf;
  if (!node) return;
  const i = node.clusters.indexOf(cluster);
  if (i >= 0) node.clusters.splice(i, 1);
  cluster.leaf = undefined;
  while (node && node.parent && node.clusters.length === 0 && node.children.size === 0) {
    node.parent.children.delete(node.key);
    node = node.parent;
  }
}

/**
 * Similarity of a cluster template to a message: share of positions with equal tokens. A template
 * wildcard counts only when the message token is a wildcard too (a masked value): both sides then
 * agree that the position is a variable. Drain3 ignores wildcards entirely (include_params=False),
 * which on header-heavy lines (access logs, apache errors) left too few constant tokens to reach
 * the threshold; a generalised position still never matches a concrete token, so templates do
 * not start attracting everything of their length.
 */
export function similarity(template: readonly string[], tokens: readonly string[]): number {
  if (template.length === 0) return 1;
  let same = 0;
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as string;
    if (t === tokens[i]) same++;
    // Slightly less than an exact token, so "user=root" beats "user=<*>" for a root line.
    else if (keyMatches(t, tokens[i] as string)) same += 1 - 1e-6;
  }
  return same / template.length;
}

/** A generalised pair "key=<*>" / "key:<*>" matches any value of that key, the empty one too. */
export function keyMatches(template: string, token: string): boolean {
  if (!template.endsWith(WILDCARD) || template.length <= WILDCARD.length + 1) return false;
  const sep = template.charCodeAt(template.length - WILDCARD.length - 1);
  if (sep !== 61 /* = */ && sep !== 58 /* : */) return false;
  const key = template.slice(0, template.length - WILDCARD.length);
  return token.startsWith(key);
}

/** Key of a key=value / key:value token ("rhost=" of "rhost=10.0.0.1"), or "" if none. */
function keyOf(token: string): string {
  const m = /^[A-Za-z_][\w.-]*[=:]/.exec(token);
  return m ? m[0] : "";
}

/**
 * Whether a cluster must not absorb the message although similar: at some position its template
 * still holds a word that has been constant for `evidence` lines or more, and the message has a
 * different word there. A variable position shows a second value early (if a value repeated n
 * times in a row by chance, a variable with k values would do so with probability k^-(n-1)); a
 * word that held for many lines is a constant, and another word there is another event
 * ("HTTPS" x 954 vs "SOCKS5" x 2). Values that are not words (numbers, hosts, ids) never block.
 */
/** A run of symbols used as a marker ("****", "==>"): a constant like a word. */
const SYMBOLS = /^[^\w\s<>]{2,}$/;

export function blocksMerge(c: ClusterRef, tokens: readonly string[], evidence: number, messageWords = false): boolean {
  const held = c.count >= evidence;
  const t = c.tokens;
  for (let i = 0; i < t.length; i++) {
    const a = t[i] as string;
    const b = tokens[i] as string;
    if (a !== b && a !== WILDCARD && !keyMatches(a, b)) {
      if (!held) {
        if (messageWords && messageWord(a) && messageWord(b)) return true;
        continue;
      }
      const letters = constantLetters(a);
      if (letters !== "" ? letters !== constantLetters(b) : SYMBOLS.test(a)) return true;
    }
  }
  return false;
}

/**
 * A capitalised or upper-case word ("Started", "GET", "VM"), bare or with quotes, brackets and
 * trailing punctuation: the prose of a log message, as opposed to values, which are mostly
 * lower-case names, numbers and ids. Two different such words at one position are two events
 * from the first line ("VM Started" / "VM Stopped", "GET" / "POST"), without waiting for
 * constant evidence; enough variety there still makes the position a variable.
 */
const MESSAGE_WORD = /^["'([]?(?:[A-Z][a-z]+|[A-Z]{2,})["')\],;:.!?]*$/;
export function messageWord(t: string): boolean {
  return MESSAGE_WORD.test(t);
}

/** True when every constant of `general` equals the token of `specific` at that position. */
export function subsumes(general: readonly string[], specific: readonly string[]): boolean {
  for (let i = 0; i < general.length; i++) {
    const g = general[i] as string;
    if (g !== WILDCARD && g !== specific[i] && !keyMatches(g, specific[i] as string)) return false;
  }
  return true;
}

function wildcards(tokens: readonly string[]): number {
  let n = 0;
  for (const t of tokens) if (t === WILDCARD) n++;
  return n;
}

/** Best cluster in a leaf at or above the threshold; ties go to the more general template. */
export function bestMatch<C extends ClusterRef>(
  candidates: readonly C[],
  tokens: readonly string[],
  threshold: number,
  evidence = Infinity,
  messageWords = false,
): C | undefined {
  let best: C | undefined;
  let bestSim = -1;
  let bestParams = -1;
  for (const c of candidates) {
    const sim = similarity(c.tokens, tokens);
    if (sim < threshold || (sim < 1 - 1e-9 * tokens.length && blocksMerge(c, tokens, evidence, messageWords))) continue;
    if (sim > bestSim) {
      best = c;
      bestSim = sim;
      bestParams = -1; // counted only if a tie needs it
    } else if (sim === bestSim && best) {
      if (bestParams < 0) bestParams = wildcards(best.tokens);
      const params = wildcards(c.tokens);
      if (params > bestParams) {
        best = c;
        bestParams = params;
      }
    }
  }
  return best;
}

/** Drain's template update: positions that differ become wildcards. Returns whether it changed. */
export function mergeInto(template: string[], tokens: readonly string[]): boolean {
  let changed = false;
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as string;
    const w = tokens[i] as string;
    if (t === w || t === WILDCARD || keyMatches(t, w)) continue;
    // Two values of one key keep the key: "tty=NODEVssh" + "tty=:0" -> "tty=<*>".
    const key = keyOf(t);
    template[i] = key !== "" && key === keyOf(w) ? key + WILDCARD : WILDCARD;
    changed = true;
  }
  return changed;
}
