/**
 * Ids emitted recently, oldest evicted first. Deterministic ids already make re-sent events
 * idempotent downstream; this keeps relists and resyncs from even re-sending them.
 */
export class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity = 50_000) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
  }

  get size(): number {
    return this.ids.size;
  }
}
