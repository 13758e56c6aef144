/** Number formatting for tables: units people read at a glance, never "NaN" or "Infinity". */
import type { MetricUnit } from '../stats/compare.js';

export function formatValue(value: number | null | undefined, unit: MetricUnit): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  switch (unit) {
    case 'ms':
      return formatMs(value);
    case 'bytes':
      return formatBytes(value);
    case 'ratio':
      return formatPercent(value);
    case 'req/s':
      return `${round(value, value >= 100 ? 0 : 1)} req/s`;
  }
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (Math.abs(ms) >= 120_000) return `${round(ms / 60_000, 1)} min`;
  if (Math.abs(ms) >= 10_000) return `${round(ms / 1000, 1)} s`;
  if (Math.abs(ms) >= 1000) return `${round(ms / 1000, 2)} s`;
  if (Math.abs(ms) >= 100) return `${Math.round(ms)} ms`;
  if (Math.abs(ms) >= 10) return `${round(ms, 1)} ms`;
  return `${round(ms, 2)} ms`;
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${round(value, unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** A fraction as a percentage: 0.0123 -> "1.23%". */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '—';
  const pct = fraction * 100;
  return `${round(pct, Math.abs(pct) >= 10 ? 1 : 2)}%`;
}

/** A relative change: "+12.3%", "−4.0%", "±0%"; "new" from zero, "—" without a baseline. */
export function formatChange(change: number | null, hasBaseline: boolean): string {
  if (!hasBaseline) return '—';
  if (change === null) return 'new';
  if (!Number.isFinite(change)) return '—';
  const pct = round(change * 100, 1);
  if (pct === 0) return '±0%';
  return pct > 0 ? `+${pct}%` : `−${Math.abs(pct)}%`;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  const rounded = Math.round(value * factor) / factor;
  return Object.is(rounded, -0) ? 0 : rounded;
}
