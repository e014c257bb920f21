import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';

export interface ResourceSummary {
  cpu_user_ms: number;
  cpu_system_ms: number;
  /** Process CPU time over wall time, in % of one core. */
  cpu_percent: number;
  rss_max_mb: number;
  heap_used_max_mb: number;
  event_loop_delay_ms: { p50: number; p99: number; max: number };
  gc: { count: number; total_pause_ms: number; max_pause_ms: number };
}

/** Resource use over one interval of a run (the HTML report's resource chart). */
export interface ResourceInterval {
  /** Process CPU time over the interval's wall time, in % of one core. */
  cpu_percent: number;
  rss_mb: number;
  heap_used_mb: number;
  /** GC pause time in the interval, in % of its wall time. */
  gc_percent: number;
  gc_count: number;
}

/** Samples process CPU, RSS, event-loop delay and GC pauses while a run is in progress. */
export class ResourceMonitor {
  private cpu0 = process.cpuUsage();
  private t0 = performance.now();
  private rssMax = 0;
  private heapMax = 0;
  private loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private gcCount = 0;
  private gcTotal = 0;
  private gcMax = 0;
  private observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      this.gcCount++;
      this.gcTotal += e.duration;
      if (e.duration > this.gcMax) this.gcMax = e.duration;
    }
  });
  private timer: NodeJS.Timeout | null = null;
  private mark = { cpu: process.cpuUsage(), t: performance.now(), gcCount: 0, gcTotal: 0 };

  start(): void {
    this.cpu0 = process.cpuUsage();
    this.t0 = performance.now();
    this.mark = { cpu: this.cpu0, t: this.t0, gcCount: 0, gcTotal: 0 };
    this.loop.enable();
    this.observer.observe({ entryTypes: ['gc'] });
    this.sample();
    this.timer = setInterval(() => this.sample(), 500);
    this.timer.unref();
  }

  sample(): void {
    const m = process.memoryUsage();
    if (m.rss > this.rssMax) this.rssMax = m.rss;
    if (m.heapUsed > this.heapMax) this.heapMax = m.heapUsed;
  }

  /** Resource use since the previous call (or start). */
  takeInterval(): ResourceInterval {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const wall = Math.max(1e-3, now - this.mark.t);
    const usedMs = (cpu.user - this.mark.cpu.user + cpu.system - this.mark.cpu.system) / 1000;
    const m = process.memoryUsage();
    const out: ResourceInterval = {
      cpu_percent: Math.round((usedMs / wall) * 1000) / 10,
      rss_mb: Math.round(m.rss / 1048576),
      heap_used_mb: Math.round(m.heapUsed / 1048576),
      gc_percent: Math.round(((this.gcTotal - this.mark.gcTotal) / wall) * 1000) / 10,
      gc_count: this.gcCount - this.mark.gcCount,
    };
    this.mark = { cpu, t: now, gcCount: this.gcCount, gcTotal: this.gcTotal };
    return out;
  }

  stop(): ResourceSummary {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.loop.disable();
    this.observer.disconnect();
    const cpu = process.cpuUsage(this.cpu0);
    const wall = performance.now() - this.t0;
    const ns = (v: number) => Math.round(v / 1e4) / 100;
    return {
      cpu_user_ms: Math.round(cpu.user / 1000),
      cpu_system_ms: Math.round(cpu.system / 1000),
      cpu_percent: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 1000) / 10,
      rss_max_mb: Math.round(this.rssMax / 1048576),
      heap_used_max_mb: Math.round(this.heapMax / 1048576),
      event_loop_delay_ms: {
        p50: ns(this.loop.percentile(50)),
        p99: ns(this.loop.percentile(99)),
        max: ns(this.loop.max),
      },
      gc: {
        count: this.gcCount,
        total_pause_ms: Math.round(this.gcTotal),
        max_pause_ms: Math.round(this.gcMax * 10) / 10,
      },
    };
  }
}
