// Tiny DSL for the generator: a format is a weighted list of event types, each with a true
// template label (the format string as a developer would write it) and a line renderer.
import { FakeClock, makeRng, type Labelled, type Rng } from "./prng.js";

export type Render = (r: Rng, c: FakeClock) => string;
export type EventSpec = readonly [weight: number, truth: string, render: Render];

/** Events that produce several lines at once (stack traces, panics) return labelled lines. */
export type BlockRender = (r: Rng, c: FakeClock) => Labelled[];

export function generate(seed: number, lines: number, events: readonly EventSpec[], block?: readonly [number, BlockRender]): Labelled[] {
  const r = makeRng(seed);
  const c = new FakeClock(r);
  const out: Labelled[] = [];
  const total = events.reduce((s, [w]) => s + w, 0) + (block ? block[0] : 0);
  while (out.length < lines) {
    let x = r.next() * total;
    if (block && x < block[0]) {
      for (const item of block[1](r, c)) out.push(item);
      continue;
    }
    if (block) x -= block[0];
    for (const [w, truth, render] of events) {
      x -= w;
      if (x < 0) {
        out.push({ line: render(r, c), template: truth });
        break;
      }
    }
  }
  return out;
}

export const USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"];
export const SERVICES = ["inventory-svc", "billing-api", "auth-gateway", "search", "recommendations", "ledger"];
export const API_PATHS = [
  "/api/v1/orders", "/api/v1/orders/{id}", "/api/v1/users/{id}/profile", "/healthz", "/metrics",
  "/static/js/app.{hex}.js", "/api/v2/search?q={word}&page={n}", "/login", "/cart/items/{id}", "/favicon.ico",
];

export function apiPath(r: Rng): string {
  return r
    .pick(API_PATHS)
    .replace("{id}", String(r.int(1, 99999)))
    .replace("{hex}", r.hex(8))
    .replace("{word}", r.word())
    .replace("{n}", String(r.int(1, 20)));
}
