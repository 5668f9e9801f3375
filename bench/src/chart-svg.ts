import type { BenchReport } from './report';

/** The workloads the chart shows, each as one bar per system. */
const SERIES = Object.freeze([
  { workload: 'one-way', label: 'one-way, messages/s', color: '#4e79a7' },
  { workload: 'pipelined', label: 'pipelined, answers/s', color: '#f28e2b' },
]);

const WIDTH = 900;
const LABEL_WIDTH = 180;
const VALUE_ROOM = 120;
const TOP = 78;
const BAR = 14;
const BAR_GAP = 3;
const GROUP_GAP = 14;
const AXIS_ROOM = 34;
const FAMILY_COLOR: Readonly<Record<string, string>> = Object.freeze({ rxmsg: '#1a1a1a', baseline: '#6b6b6b', peer: '#7a3b8f' });

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Text safe inside an SVG element or attribute. */
function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A round step (1, 2 or 5 × 10^k) giving about `count` ticks up to `max`. */
function tickStep(max: number, count: number): number {
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  return step ?? 10 * magnitude;
}

/** `1500000` → `1.5M`, `250000` → `250k`. */
function shortNumber(x: number): string {
  if (x >= 1e6) return `${+(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${+(x / 1e3).toFixed(1)}k`;
  return String(x);
}

/**
 * The throughput chart of a run as a standalone SVG document: per system (in report order), one
 * horizontal bar per workload of {@link SERIES} (median rate), on one linear axis, with the
 * value at the end of each bar; systems without a figure say why (failed, n/a, not run).
 */
export function throughputChart(report: BenchReport): string {
  const systems = report.systems;
  const median = (workload: string, system: string): number | undefined =>
    report.summaries.find((s) => s.workload === workload && s.system === system)?.rate?.median;
  const missing = (workload: string, system: string): string => {
    const s = report.summaries.find((x) => x.workload === workload && x.system === system);
    if (s === undefined) return 'not run';
    return s.notApplicable !== undefined ? 'n/a' : 'failed';
  };
  const values = systems.flatMap((s) => SERIES.map((x) => median(x.workload, s.name) ?? 0));
  const max = Math.max(1, ...values);
  const step = tickStep(max, 5);
  const axisMax = Math.ceil(max / step) * step;
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_ROOM;
  const x = (v: number): number => LABEL_WIDTH + (v / axisMax) * plotWidth;
  const groupHeight = SERIES.length * BAR + (SERIES.length - 1) * BAR_GAP;
  const plotHeight = systems.length * (groupHeight + GROUP_GAP);
  const height = TOP + plotHeight + AXIS_ROOM;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
      `font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`,
    `<title>rxmsg bench: throughput per system (${escapeXml(report.date)})</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LABEL_WIDTH}" y="22" font-size="15" font-weight="600">Throughput per system (medians, higher is better)</text>`,
    `<text x="${LABEL_WIDTH}" y="40" fill="#555">${escapeXml(
      `${report.date.slice(0, 10)}, ${report.mode} mode, ${report.repetitions} repetition(s); Node ${report.machine.node}, ` +
        `${report.machine.cpuCount} × ${report.machine.cpuModel}`,
    )}</text>`,
  );
  SERIES.forEach((series, i) => {
    const lx = LABEL_WIDTH + i * 190;
    out.push(
      `<rect x="${lx}" y="52" width="12" height="12" fill="${series.color}"/>`,
      `<text x="${lx + 17}" y="62">${escapeXml(series.label)}</text>`,
    );
  });
  out.push(
    `<text x="${LABEL_WIDTH + SERIES.length * 190}" y="62" fill="#555">names: <tspan fill="${FAMILY_COLOR['rxmsg']}" font-weight="600">rxmsg</tspan>, ` +
      `<tspan fill="${FAMILY_COLOR['baseline']}">raw baseline</tspan>, <tspan fill="${FAMILY_COLOR['peer']}">peer library</tspan></text>`,
  );
  // Grid and axis.
  for (let v = 0; v <= axisMax + step / 2; v += step) {
    const gx = x(v).toFixed(1);
    out.push(
      `<line x1="${gx}" y1="${TOP - 6}" x2="${gx}" y2="${TOP + plotHeight}" stroke="${v === 0 ? '#333' : '#e3e3e3'}"/>`,
      `<text x="${gx}" y="${TOP + plotHeight + 16}" text-anchor="middle" fill="#555">${shortNumber(v)}</text>`,
    );
  }
  out.push(`<text x="${LABEL_WIDTH + plotWidth / 2}" y="${TOP + plotHeight + 30}" text-anchor="middle" fill="#555">per second</text>`);
  systems.forEach((system, g) => {
    const gy = TOP + g * (groupHeight + GROUP_GAP);
    out.push(
      `<text x="${LABEL_WIDTH - 8}" y="${(gy + groupHeight / 2 + 4).toFixed(1)}" text-anchor="end" ` +
        `fill="${FAMILY_COLOR[system.family] ?? '#000'}"${system.family === 'rxmsg' ? ' font-weight="600"' : ''}>${escapeXml(system.name)}</text>`,
    );
    SERIES.forEach((series, i) => {
      const by = gy + i * (BAR + BAR_GAP);
      const v = median(series.workload, system.name);
      if (v === undefined) {
        out.push(`<text x="${LABEL_WIDTH + 4}" y="${by + BAR - 3}" fill="#999">${missing(series.workload, system.name)}</text>`);
        return;
      }
      const w = Math.max(1, x(v) - LABEL_WIDTH);
      out.push(
        `<rect x="${LABEL_WIDTH}" y="${by}" width="${w.toFixed(1)}" height="${BAR}" fill="${series.color}">` +
          `<title>${escapeXml(`${system.name}, ${series.label}: ${int.format(v)}`)}</title></rect>`,
        `<text x="${(LABEL_WIDTH + w + 4).toFixed(1)}" y="${by + BAR - 3}" fill="#333">${int.format(v)}</text>`,
      );
    });
  });
  out.push('</svg>', '');
  return out.join('\n');
}
