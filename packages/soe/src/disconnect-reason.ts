/** The reason codes a `Disconnect` packet carries (a big-endian `uint16` on the wire). */
export const DisconnectReason = {
  None: 0,
  IcmpError: 1,
  Timeout: 2,
  OtherSideTerminated: 3,
  ManagerDeleted: 4,
  ConnectFail: 5,
  Application: 6,
  UnreachableConnection: 7,
  UnacknowledgedTimeout: 8,
  NewConnectionAttempt: 9,
  ConnectionRefused: 10,
  ConnectError: 11,
  ConnectingToSelf: 12,
  ReliableOverflow: 13,
  ApplicationReleased: 14,
  CorruptPacket: 15,
  ProtocolMismatch: 16,
} as const;

/** One of the documented {@link DisconnectReason} codes. */
export type DisconnectReason = (typeof DisconnectReason)[keyof typeof DisconnectReason];

/** Whether `value` is one of the documented {@link DisconnectReason} codes. */
export function isDisconnectReason(value: number): value is DisconnectReason {
  return Number.isInteger(value) && value >= 0 && value <= 16;
}
