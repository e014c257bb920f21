import type { Alert, ViewResult } from '../events/results.js';
import type { ThresholdRule } from './ast.js';
import { compileRuleExpr, compileTemplate, type Fn, type RuleEnv } from './expr.js';

/**
 * Threshold and anomaly rules over engine view results. A rule reads one view; with BASELINE it keeps,
 * per result key, the chosen field's values of the previous N final windows, and exposes value, mean,
 * stddev (sample), zscore = (value - mean) / stddev and samples to its condition. Only final results feed
 * the baseline (early results would count a window several times); at most one alert per window and key.
 */

export interface RuleState {
  rule: string;
  key: string;
  history: { window_start: number; value: number }[];
  fired: number[];
}

const FIRED_MEMORY = 64;

export class RuleRunner {
  private readonly cond: Fn<RuleEnv>;
  private readonly message: (env: RuleEnv) => string;
  private readonly state = new Map<
    string,
    { history: { window_start: number; value: number }[]; fired: number[] }
  >();
  private readonly warned = new Set<string>();
  alerts = 0;
  missing = 0;

  constructor(
    readonly rule: ThresholdRule,
    private readonly warn: (message: string) => void,
  ) {
    this.cond = compileRuleExpr(rule.condition);
    this.message = compileTemplate(rule.message, compileRuleExpr);
  }

  private missingField(path: string, r: ViewResult) {
    this.missing++;
    if (this.warned.has(path)) return;
    this.warned.add(path);
    this.warn(
      `rule ${this.rule.name} (${this.rule.file}:${this.rule.line}): view '${r.view}' has no field '${path}'; its fields are ${Object.keys(r.fields).join(', ') || '(none)'}`,
    );
  }

  onResult(r: ViewResult, wallNow: number): Alert | null {
    if (r.view !== this.rule.view) return null;
    if (this.rule.emit !== 'all' && r.emit !== this.rule.emit) {
      // Early results never alert a 'final' rule, but finals still feed an 'early' rule's baseline.
      if (!(r.emit === 'final' && this.rule.baseline)) return null;
    }
    let st = this.state.get(r.key);
    if (!st) this.state.set(r.key, (st = { history: [], fired: [] }));
    let baseline: RuleEnv['baseline'] = null;
    if (this.rule.baseline) {
      const { field, windows } = this.rule.baseline;
      let v: unknown = r.fields;
      for (const p of field)
        v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        if (v === undefined) this.missingField(field.join('.'), r);
        return null;
      }
      const prev = st.history.filter((h) => h.window_start < r.window_start).slice(-windows);
      const n = prev.length;
      const mean = n ? prev.reduce((s, h) => s + h.value, 0) / n : null;
      const stddev =
        n >= 2 ? Math.sqrt(prev.reduce((s, h) => s + (h.value - mean!) ** 2, 0) / (n - 1)) : null;
      // A flat baseline gives no scale: the z-score is 0 when the value equals it and infinite otherwise.
      const zscore =
        mean === null || stddev === null
          ? null
          : stddev > 0
            ? (v - mean) / stddev
            : v === mean
              ? 0
              : v > mean
                ? Infinity
                : -Infinity;
      baseline = { value: v, mean, stddev, zscore, samples: n };
      if (r.emit === 'final') {
        const at = st.history.findIndex((h) => h.window_start >= r.window_start);
        if (at === -1) st.history.push({ window_start: r.window_start, value: v });
        else if (st.history[at].window_start === r.window_start) st.history[at].value = v;
        else st.history.splice(at, 0, { window_start: r.window_start, value: v });
        if (st.history.length > windows + 1) st.history.splice(0, st.history.length - windows - 1);
      }
      if (this.rule.emit !== 'all' && r.emit !== this.rule.emit) return null;
    }
    const env: RuleEnv = {
      fields: r.fields,
      top: r as unknown as Record<string, unknown>,
      baseline,
      key: r.key,
      missing: (p) => this.missingField(p, r),
    };
    if (this.cond(env) !== true || st.fired.includes(r.window_start)) return null;
    st.fired.push(r.window_start);
    if (st.fired.length > FIRED_MEMORY) st.fired.shift();
    this.alerts++;
    return {
      alert_id: `${this.rule.name}:${r.key}:${r.window_start}`,
      pattern: this.rule.name,
      severity: this.rule.severity,
      key: r.key,
      message: this.message(env),
      events: [],
      first_event_time: r.window_start,
      last_event_time: r.window_end,
      detected_at: wallNow,
      trigger_intended_send_time: r.last_intended_send_time,
    };
  }

  snapshot(): RuleState[] {
    return [...this.state].map(([key, s]) => ({
      rule: this.rule.name,
      key,
      history: s.history.map((h) => ({ ...h })),
      fired: [...s.fired],
    }));
  }

  restore(states: RuleState[]): void {
    for (const s of states)
      this.state.set(s.key, { history: s.history.map((h) => ({ ...h })), fired: [...s.fired] });
  }
}
