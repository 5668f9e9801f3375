/**
 * `@rxmsg/testing`: what rxmsg's own tests use, for yours. A server and a client connected in
 * memory ({@link memoryPair}), a fault-injecting wrapper for any transport ({@link faultyTransport}),
 * virtual time for the session timers ({@link virtualClock}), and for bad-input tests over real
 * sockets a raw socket ({@link RawSocket}) and a TCP proxy that kills connections ({@link tcpFaultProxy}).
 * Node-only (the raw-socket helpers use `node:net`).
 * @packageDocumentation
 */
export { memoryPair } from './memory-pair';
export type { MemoryPair, MemoryPairClientOptions, MemoryPairOptions } from './memory-pair';
export { DEFAULT_MAX_DELAYED_BYTES, faultyTransport } from './faulty-transport';
export type { FaultyTransport, FaultyTransportOptions } from './faulty-transport';
export { FaultyConnection } from './faulty-connection';
export type { FaultyConnectionOptions } from './faulty-connection';
export { checkFaults } from './faults';
export type { FaultDirection, FaultPlan, FaultTarget, Faults, SplitFault } from './faults';
export type { FaultStats } from './fault-stats';
export { DEFAULT_MAX_VIRTUAL_STEPS, virtualClock } from './virtual-clock';
export type { VirtualClock, VirtualClockOptions } from './virtual-clock';
export { RawSocket } from './raw-socket';
export type { RawSocketOptions } from './raw-socket';
export { tcpFaultProxy } from './tcp-fault-proxy';
export type { TcpFaultProxy, TcpFaultProxyOptions } from './tcp-fault-proxy';
export { seededRandom } from './seeded-random';
