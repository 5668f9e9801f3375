import type { AdminConnection, AdminSnapshot } from './admin-protocol';
import type { TerminalStyle } from './terminal-style';

/** Messages and bytes per second of one connection, or of a node, from two snapshots' counters. */
export interface Rates {
  readonly msgIn: number;
  readonly msgOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

const ZERO: Rates = { msgIn: 0, msgOut: 0, bytesIn: 0, bytesOut: 0 };

/** `(now - before) / seconds` per counter; counters that went down (a new connection with a reused key) count from 0. */
export function ratesOf(now: AdminConnection, before: AdminConnection | undefined, seconds: number): Rates {
  if (before === undefined || seconds <= 0) return ZERO;
  const d = (a: number, b: number) => Math.max(0, a - b) / seconds;
  return {
    msgIn: d(now.messagesIn, before.messagesIn),
    msgOut: d(now.messagesOut, before.messagesOut),
    bytesIn: d(now.bytesIn, before.bytesIn),
    bytesOut: d(now.bytesOut, before.bytesOut),
  };
}

function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function pad(text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : text + ' '.repeat(width - text.length);
}

/**
 * The `rxmsg inspect` screen: per node its listeners, totals and rates (counter deltas against
 * `previous`), then its busiest connections (at most `maxRows`) with their queue depths and drops.
 */
export function renderTop(snapshot: AdminSnapshot, previous: AdminSnapshot | undefined, style: TerminalStyle, maxRows: number): string {
  const seconds = previous === undefined ? 0 : (snapshot.at - previous.at) / 1000;
  const lines: string[] = [style.bold(`rxmsg inspect  ${new Date(snapshot.at).toISOString()}  nodes ${snapshot.nodes.length}`)];
  for (const node of snapshot.nodes) {
    const s = node.snapshot;
    if (s === undefined) {
      lines.push(style.red(`node ${node.node}: ${node.error ?? 'no snapshot'}`));
      continue;
    }
    const before = new Map<number, AdminConnection>();
    for (const c of previous?.nodes.find((n) => n.node === node.node)?.snapshot?.connections ?? []) before.set(c.id, c);
    const rows = s.connections.map((c) => ({ c, r: ratesOf(c, before.get(c.id), seconds) }));
    const total = rows.reduce((t, { r }) => ({ msgIn: t.msgIn + r.msgIn, msgOut: t.msgOut + r.msgOut, bytesIn: t.bytesIn + r.bytesIn, bytesOut: t.bytesOut + r.bytesOut }), ZERO);
    const dropped = s.connections.reduce((n, c) => n + c.messagesDropped, 0);
    const queued = s.connections.reduce((n, c) => n + c.queued, 0);
    lines.push(
      '',
      style.bold(`node ${node.node}`) +
        `  connections ${s.connectionCount}  in ${human(total.msgIn)} msg/s ${human(total.bytesIn)}B/s  out ${human(total.msgOut)} msg/s ${human(total.bytesOut)}B/s` +
        `  queued ${queued}  dropped ${dropped}  buffered ${human(s.bufferedBytes)}B  shed ${s.shed}`,
    );
    for (const l of s.listeners) lines.push(`  listener ${l.address}  ${l.connections} connections`);
    const refused = Object.entries(s.refused).filter(([, n]) => n > 0);
    if (refused.length > 0) lines.push(style.red(`  refused ${refused.map(([k, n]) => `${k}=${n}`).join(' ')}`));
    lines.push(style.dim(`  ${pad('id', 8)}${pad('remote', 24)}${pad('protocol', 12)}${pad('in/s', 9)}${pad('out/s', 9)}${pad('queued', 8)}${pad('held', 8)}${pad('dropped', 9)}paused`));
    rows.sort((a, b) => b.r.msgIn + b.r.msgOut - (a.r.msgIn + a.r.msgOut) || a.c.id - b.c.id);
    for (const { c, r } of rows.slice(0, maxRows)) {
      const line = `  ${pad(String(c.id), 8)}${pad(c.remoteAddress, 24)}${pad(c.protocol ?? '-', 12)}${pad(human(r.msgIn), 9)}${pad(human(r.msgOut), 9)}${pad(String(c.queued), 8)}${pad(human(c.heldBytes), 8)}${pad(String(c.messagesDropped), 9)}${c.inputPaused ? 'yes' : ''}`;
      lines.push(c.messagesDropped > 0 || c.inputPaused ? style.red(line) : line);
    }
    const hidden = s.connectionCount - Math.min(maxRows, rows.length);
    if (hidden > 0) lines.push(style.dim(`  … ${hidden} more`));
  }
  return lines.join('\n');
}
