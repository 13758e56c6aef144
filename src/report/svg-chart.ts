/**
 * A standalone SVG latency chart (p50, p90, p95, p99; baseline vs current bars) for the local demo
 * and `run --out DIR`, where no Mermaid renderer is around. Pure: numbers in, SVG text out; the one
 * piece of text (the title) is XML-escaped.
 */
import { formatMs } from './format.js';

export interface SvgChartInput {
  title: string;
  current: Record<'p50' | 'p90' | 'p95' | 'p99', number>;
  baseline?: Record<'p50' | 'p90' | 'p95' | 'p99', number> | null;
  width?: number;
  height?: number;
}

const KEYS = ['p50', 'p90', 'p95', 'p99'] as const;
const COLORS = { baseline: '#8c959f', current: '#0969da' };

export function renderLatencySvg(input: SvgChartInput): string {
  const width = input.width ?? 640;
  const height = input.height ?? 320;
  const margin = { top: 48, right: 16, bottom: 48, left: 64 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const finite = (v: number) => (Number.isFinite(v) && v > 0 ? v : 0);
  const values = [
    ...KEYS.map((k) => finite(input.current[k])),
    ...KEYS.map((k) => finite(input.baseline?.[k] ?? 0)),
  ];
  const top = niceCeiling(Math.max(1, ...values));
  const y = (v: number) => margin.top + plotH - (finite(v) / top) * plotH;
  const group = plotW / KEYS.length;
  const series = input.baseline ? (['baseline', 'current'] as const) : (['current'] as const);
  const barW = (group * 0.7) / series.length;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="600">${xml(input.title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const value = (top * i) / 4;
    const gy = y(value);
    parts.push(
      `<line x1="${margin.left}" y1="${fx(gy)}" x2="${width - margin.right}" y2="${fx(gy)}" stroke="#d0d7de" stroke-width="1"/>`,
      `<text x="${margin.left - 6}" y="${fx(gy + 4)}" text-anchor="end" fill="#57606a">${xml(formatMs(value))}</text>`,
    );
  }
  KEYS.forEach((key, index) => {
    const x0 = margin.left + index * group + group * 0.15;
    series.forEach((name, s) => {
      const value = name === 'current' ? input.current[key] : (input.baseline?.[key] ?? 0);
      const x = x0 + s * barW;
      const top = y(value);
      parts.push(
        `<rect x="${fx(x)}" y="${fx(top)}" width="${fx(barW - 2)}" height="${fx(margin.top + plotH - top)}" fill="${COLORS[name]}"><title>${key} ${name}: ${xml(formatMs(finite(value)))}</title></rect>`,
      );
    });
    parts.push(
      `<text x="${fx(margin.left + index * group + group / 2)}" y="${height - margin.bottom + 18}" text-anchor="middle">${key}</text>`,
    );
  });
  const legendY = height - 12;
  series.forEach((name, s) => {
    const x = margin.left + s * 140;
    parts.push(
      `<rect x="${x}" y="${legendY - 10}" width="12" height="12" fill="${COLORS[name]}"/>`,
      `<text x="${x + 18}" y="${legendY}">${name === 'current' ? 'this run' : 'baseline'}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function xml(text: string): string {
  return text
    .replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

function fx(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function niceCeiling(max: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10])
    if (step * magnitude >= max * 1.05) return step * magnitude;
  return 10 * magnitude;
}
