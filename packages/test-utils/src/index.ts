/** Helpers shared by rxmsg's own tests. Not published. */
export { HANDLE_KINDS, activeResources, leakedResources } from './handles';
export { FakeConnection } from './fake-connection';
export { RawSocket } from './raw-socket';
export type { RawSocketOptions } from './raw-socket';
export { settledHeapUsed } from './heap';
export type { HeapMeasurement } from './heap';
export { tempSocketPath } from './temp-socket-path';
export { testCertificate } from './test-certificate';
export type { TestCertificate } from './test-certificate';
export { delay, eventually, waitFor, within } from './wait-for';
export { watchProcess } from './watch-process';
export type { ProcessWatch } from './watch-process';
export { stalledListener } from './stalled-listener';
export type { StalledListener } from './stalled-listener';
export { seededRandom } from './seeded-random';
export { udpFaultProxy } from './udp-fault-proxy';
export type { UdpClientAddress, UdpDirection, UdpFaultCounters, UdpFaultDecision, UdpFaultProxy, UdpFaultProxyOptions, UdpFaults } from './udp-fault-proxy';
