/**
 * Number and time formatting for the page. Pure functions, no DOM.
 */
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const dec1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const dec2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** @param {number|null|undefined} v @param {'rate'|'count'|'percent'|'money'} format */
export function formatValue(v, format) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (format) {
    case 'rate':
      return dec1.format(v);
    case 'count':
      return int.format(v);
    case 'percent':
      return `${dec1.format(v * 100)}%`;
    case 'money':
      return dec2.format(v);
    default:
      return String(v);
  }
}

/**
 * The change against the previous complete window: percentage points for rates that are shares, a
 * relative change otherwise.
 * @returns {{ text: string, dir: 'up'|'down'|'flat' } | null}
 */
export function formatDelta(value, previous, format) {
  if (value === null || previous === null || value === undefined || previous === undefined) return null;
  const diff = value - previous;
  const dir = diff > 0 ? 'up' : diff < 0 ? 'down' : 'flat';
  const arrow = dir === 'up' ? '▲' : dir === 'down' ? '▼' : '■';
  if (format === 'percent') return { text: `${arrow} ${dec1.format(Math.abs(diff) * 100)} pp`, dir };
  if (previous === 0) return { text: `${arrow} ${formatValue(Math.abs(diff), format)}`, dir };
  return { text: `${arrow} ${dec1.format(Math.abs(diff / previous) * 100)}%`, dir };
}

export function formatMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${dec1.format(ms)} ms`;
  if (ms < 60_000) return `${dec2.format(ms / 1000)} s`;
  return `${dec1.format(ms / 60_000)} min`;
}

export function formatClock(epochMs) {
  if (epochMs === null || epochMs === undefined) return '';
  const d = new Date(epochMs);
  return d.toTimeString().slice(0, 8);
}

export function formatAge(ms) {
  if (ms === null) return 'no data yet';
  if (ms < 1000) return 'updated just now';
  if (ms < 60_000) return `updated ${Math.floor(ms / 1000)} s ago`;
  return `updated ${Math.floor(ms / 60_000)} min ago`;
}
