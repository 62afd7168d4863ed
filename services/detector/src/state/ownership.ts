/**
 * Which rollouts this replica owns: those whose `rollwatch.events` partition the consumer group
 * assigned to it. Pure bookkeeping (no I/O): the detector restores a partition's rollouts when it is
 * assigned, drops them when it is revoked, and publishes verdicts only for owned, restored rollouts.
 */
export class PartitionOwnership {
  private readonly owned = new Set<number>();
  private readonly restoring = new Set<number>();
  private readonly partitionOf = new Map<string, number>();
  private readonly rolloutsOf = new Map<number, Set<string>>();

  /** Partitions handed to this replica: owned from now on, restoring until `restored()`. */
  assign(partitions: number[]): void {
    for (const p of partitions) {
      this.owned.add(p);
      this.restoring.add(p);
    }
  }

  /** The restore of these partitions is complete (only those still owned count). */
  restored(partitions: number[]): void {
    for (const p of partitions) this.restoring.delete(p);
  }

  /** Partitions taken away: returns the rollouts to drop. */
  revoke(partitions: number[]): string[] {
    const dropped: string[] = [];
    for (const p of partitions) {
      this.owned.delete(p);
      this.restoring.delete(p);
      for (const rollout of this.rolloutsOf.get(p) ?? []) {
        this.partitionOf.delete(rollout);
        dropped.push(rollout);
      }
      this.rolloutsOf.delete(p);
    }
    return dropped;
  }

  /** Records where a rollout's events live (from a consumed batch or a restored event). */
  place(rollout: string, partition: number): void {
    const known = this.partitionOf.get(rollout);
    if (known === partition) return;
    if (known !== undefined) this.rolloutsOf.get(known)?.delete(rollout);
    this.partitionOf.set(rollout, partition);
    let set = this.rolloutsOf.get(partition);
    if (!set) this.rolloutsOf.set(partition, (set = new Set()));
    set.add(rollout);
  }

  forget(rollout: string): void {
    const known = this.partitionOf.get(rollout);
    if (known === undefined) return;
    this.partitionOf.delete(rollout);
    this.rolloutsOf.get(known)?.delete(rollout);
  }

  /** The rollouts known to live on a partition. */
  rolloutsIn(partition: number): string[] {
    return [...(this.rolloutsOf.get(partition) ?? [])];
  }

  owns(partition: number): boolean {
    return this.owned.has(partition);
  }

  partition(rollout: string): number | undefined {
    return this.partitionOf.get(rollout);
  }

  /** A rollout whose partition is being restored here: its state is partial, so it is not judged yet. */
  isRestoring(rollout: string): boolean {
    const p = this.partitionOf.get(rollout);
    return p !== undefined && this.restoring.has(p);
  }

  isRestoringPartition(partition: number): boolean {
    return this.restoring.has(partition);
  }

  ownedPartitions(): number[] {
    return [...this.owned].sort((a, b) => a - b);
  }
}
