import type { DashboardFeed, FeedListener } from '../dashboard/index.js';

/**
 * A dashboard feed whose source arrives later: the dashboard binds its port before the run starts (so a
 * busy port fails fast, before any load), and the in-process feed is attached once the pipeline exists.
 */
export class DeferredFeed implements DashboardFeed {
  private listeners = new Set<FeedListener>();
  private source: DashboardFeed | null = null;
  private unsubscribes = new Map<FeedListener, () => void>();

  constructor(readonly description: string) {}

  attach(source: DashboardFeed): void {
    this.source = source;
    for (const l of this.listeners) this.unsubscribes.set(l, source.subscribe(l));
  }

  subscribe(listener: FeedListener): () => void {
    this.listeners.add(listener);
    if (this.source) this.unsubscribes.set(listener, this.source.subscribe(listener));
    return () => {
      this.listeners.delete(listener);
      this.unsubscribes.get(listener)?.();
      this.unsubscribes.delete(listener);
    };
  }

  async close(): Promise<void> {
    await this.source?.close();
  }
}
