import type { Socket } from 'node:net';

/** Longest line a raw baseline accepts before it gives up on the connection. */
export const MAX_LINE = 1_048_576;

/**
 * Splits a socket's UTF-8 text (after `setEncoding('utf8')`) into `\n`-terminated lines,
 * keeping the incomplete tail for the next chunk. What a hand-written NDJSON reader does.
 */
export class LineSplitter {
  private rest = '';

  /**
   * Feed one chunk; `onLine` gets each complete line without its `\n`.
   * @returns `false` when the incomplete tail grew over {@link MAX_LINE}.
   */
  push(chunk: string, onLine: (line: string) => void): boolean {
    const text = this.rest.length === 0 ? chunk : this.rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      onLine(text.slice(start, nl));
      start = nl + 1;
    }
    this.rest = start === 0 ? text : text.slice(start);
    return this.rest.length <= MAX_LINE;
  }
}

/**
 * Writes lines one per `write()` (`batch` 1) or joined `batch` at a time; {@link flush}
 * writes a partial batch. Used for replies and requests, whose number in flight the
 * workload bounds, so a `false` from `write()` needs no extra queue here.
 */
export class LineWriter {
  private pending: string[] = [];

  constructor(
    private readonly socket: Socket,
    private readonly batch: number,
  ) {}

  add(line: string): void {
    if (this.batch === 1) {
      this.socket.write(line);
      return;
    }
    this.pending.push(line);
    if (this.pending.length >= this.batch) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.socket.write(chunk);
  }
}

/**
 * The kinds of numbered message the raw baselines exchange: the bench protocol's `Ping` and `Pong`,
 * and `Ack`, the raw UDP one-way receiver's flow-control acknowledgement (`n` = messages received).
 */
export type NumberedKind = 'Ping' | 'Pong' | 'Ack';

/** The `n` of a `{"kind":<kind>,"n":<integer>}` line, or `undefined` when the line is not one. */
export function parseNumbered(line: string, kind: NumberedKind): number | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  return asNumbered(value, kind);
}

/** The `n` of a decoded `{ kind: <kind>, n: <integer> }` value, or `undefined` when it is not one: the hand-written type check. */
export function asNumbered(value: unknown, kind: NumberedKind): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as { readonly kind?: unknown; readonly n?: unknown };
  return m.kind === kind && typeof m.n === 'number' && Number.isInteger(m.n) && m.n >= 0 ? m.n : undefined;
}

/** One message as a JSON line, encoded as rxmsg's text codec does: `JSON.stringify` + `\n`. */
export function jsonLine(kind: 'Ping' | 'Pong', n: number): string {
  return JSON.stringify({ kind, n }) + '\n';
}

/** One message as JSON without a line end, for transports that keep message boundaries (one per WebSocket frame). */
export function jsonMessage(kind: NumberedKind, n: number): string {
  return JSON.stringify({ kind, n });
}
