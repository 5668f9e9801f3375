/**
 * Helpers shared by rxmsg's own tests. Not published. The user-useful ones (raw sockets, the TCP
 * fault proxy, seeded randomness) live in the public `@rxmsg/testing` and are re-exported here.
 */
export { HANDLE_KINDS, activeResources, leakedResources } from './handles';
export { FakeConnection } from './fake-connection';
export { RawSocket, seededRandom, tcpFaultProxy } from '@rxmsg/testing';
export type { RawSocketOptions, TcpFaultProxy, TcpFaultProxyOptions } from '@rxmsg/testing';
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
export { udpFaultProxy } from './udp-fault-proxy';
export type { UdpClientAddress, UdpDirection, UdpFaultCounters, UdpFaultDecision, UdpFaultProxy, UdpFaultProxyOptions, UdpFaults } from './udp-fault-proxy';
export { findRedisServer, redisTestDecision, requireRedisServer, startRedisServer } from './redis-server';
export type { RedisServer, RedisTestDecision } from './redis-server';
