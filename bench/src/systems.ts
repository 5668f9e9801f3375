import { rawTcpJson, rawTcpJsonBatch64 } from './adapters/raw-net';
import { rawUdpJson } from './adapters/raw-udp';
import { rsocketTcp } from './adapters/rsocket-tcp';
import { rxmsgTcpBinary, rxmsgTcpText, rxmsgUnixText, rxmsgWsBinary, rxmsgWsText } from './adapters/rxmsg';
import { rxmsgCluster2TcpText } from './adapters/rxmsg-cluster';
import { rxmsgSoeText, rxmsgSoeTextLoss0, rxmsgSoeTextLoss1, rxmsgSoeTextLoss5 } from './adapters/rxmsg-soe';
import { socketIo } from './adapters/socket-io';
import { wsJson } from './adapters/ws-json';
import type { SystemAdapter } from './system-adapter';

/**
 * Every system under test, in report order. A new system is one adapter file in `adapters/`
 * and one entry here; the harness, the report and the ratios pick it up.
 */
export const SYSTEMS: readonly SystemAdapter[] = Object.freeze([
  rxmsgTcpText,
  rxmsgTcpBinary,
  rxmsgUnixText,
  rxmsgWsText,
  rxmsgWsBinary,
  rxmsgCluster2TcpText,
  rxmsgSoeText,
  rxmsgSoeTextLoss0,
  rxmsgSoeTextLoss1,
  rxmsgSoeTextLoss5,
  rawTcpJson,
  rawTcpJsonBatch64,
  rawUdpJson,
  wsJson,
  socketIo,
  rsocketTcp,
]);

/** The baseline every other system is divided by: one write per message. */
export const BASELINE_PER_MESSAGE = rawTcpJson.name;

/** The baseline of batched writes, the limit for JSON lines. */
export const BASELINE_BATCHED = rawTcpJsonBatch64.name;

/** The system named `name`, or `undefined`. */
export function findSystem(name: string): SystemAdapter | undefined {
  return SYSTEMS.find((s) => s.name === name);
}
