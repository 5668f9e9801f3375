/**
 * `@rxmsg/shm`: an rxmsg transport between threads (`worker_threads`) over `SharedArrayBuffer`
 * rings, one per direction, woken with `Atomics.waitAsync`/`Atomics.notify`.
 *
 * @example
 * ```ts
 * import { createSharedMemoryLink, sharedMemoryTransport } from '@rxmsg/shm';
 * const shm = sharedMemoryTransport();
 * const server = await createServer({ listen: 'shm://main:0', transports: [shm], protocol, processor });
 * const [mine, theirs] = createSharedMemoryLink();
 * shm.offer(mine);
 * new Worker('./client.js', { workerData: theirs, transferList: [theirs.port] });
 * ```
 * @packageDocumentation
 */
export { DEFAULT_RING_BYTES, createSharedMemoryLink } from './create-shared-memory-link';
export type { SharedMemoryLinkOptions } from './create-shared-memory-link';
export { DEFAULT_MAX_PENDING_BYTES } from './shared-memory-connection';
export { isSharedMemoryEnd } from './shared-memory-end';
export type { SharedMemoryEnd } from './shared-memory-end';
export { SharedMemoryPeerError } from './shared-memory-peer-error';
export type { SharedMemoryPeerLoss } from './shared-memory-peer-error';
export { MAX_RING_BYTES, MIN_RING_BYTES } from './shared-ring';
export { sharedMemoryTransport } from './shared-memory-transport';
export type { SharedMemoryTransport, SharedMemoryTransportOptions } from './shared-memory-transport';
