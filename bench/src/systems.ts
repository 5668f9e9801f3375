import { rawTcpJson, rawTcpJsonBatch64 } from './adapters/raw-net';
import { rxmsgTcpBinary, rxmsgTcpText, rxmsgUnixText } from './adapters/rxmsg';
import type { SystemAdapter } from './system-adapter';

/**
 * Every system under test, in report order. A new system (ws, socket.io, rsocket-js…) is one
 * adapter file in `adapters/` and one entry here; the harness, the report and the ratios pick it up.
 */
export const SYSTEMS: readonly SystemAdapter[] = Object.freeze([
  rxmsgTcpText,
  rxmsgTcpBinary,
  rxmsgUnixText,
  rawTcpJson,
  rawTcpJsonBatch64,
]);

/** The baseline every other system is divided by: one write per message. */
export const BASELINE_PER_MESSAGE = rawTcpJson.name;

/** The baseline of batched writes, the limit for JSON lines. */
export const BASELINE_BATCHED = rawTcpJsonBatch64.name;

/** The system named `name`, or `undefined`. */
export function findSystem(name: string): SystemAdapter | undefined {
  return SYSTEMS.find((s) => s.name === name);
}
