/**
 * The two-byte (big-endian) op codes of SOE protocol version 3 that rxmsg implements.
 *
 * The public documentation names 0x11 and 0x15 in two ways: its overview calls them
 * `OutOfOrder` and `Acknowledge`, its packet reference `Acknowledge` and `AcknowledgeAll`.
 * rxmsg uses the overview's names, which say what the reliable channel does with them:
 * 0x11 reports one sequence that arrived (ahead of a gap), 0x15 acknowledges every sequence up
 * to and including the one it carries.
 */
export const SoeOpCode = {
  SessionRequest: 0x01,
  SessionResponse: 0x02,
  MultiPacket: 0x03,
  Disconnect: 0x05,
  Heartbeat: 0x06,
  ReliableData: 0x09,
  ReliableDataFragment: 0x0d,
  OutOfOrder: 0x11,
  Acknowledge: 0x15,
  UnknownSender: 0x1d,
  RemapConnection: 0x1e,
} as const;

/** One of the {@link SoeOpCode} values. */
export type SoeOpCode = (typeof SoeOpCode)[keyof typeof SoeOpCode];

const SESSION_CONTEXT: ReadonlySet<number> = new Set<number>([
  SoeOpCode.MultiPacket,
  SoeOpCode.Disconnect,
  SoeOpCode.Heartbeat,
  SoeOpCode.ReliableData,
  SoeOpCode.ReliableDataFragment,
  SoeOpCode.OutOfOrder,
  SoeOpCode.Acknowledge,
]);

/**
 * Whether packets with this op code are sent within a session, and so carry the negotiated
 * compression flag and CRC (session negotiation packets, `UnknownSender` and `RemapConnection`
 * carry neither).
 */
export function isSessionContextOpCode(opCode: number): boolean {
  return SESSION_CONTEXT.has(opCode);
}
