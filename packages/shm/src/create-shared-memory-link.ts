import { MessageChannel } from 'node:worker_threads';
import type { SharedMemoryEnd } from './shared-memory-end';
import { SharedRing } from './shared-ring';

/** Options of {@link createSharedMemoryLink}. */
export interface SharedMemoryLinkOptions {
  /**
   * Data bytes of each direction's ring (64 B … 1 GiB; default {@link DEFAULT_RING_BYTES}). The
   * link holds twice this, plus 256 bytes of headers, for its lifetime. A writer that gets ahead
   * of its reader by this many bytes sees `write()` return `false`.
   */
  readonly bytes?: number;
}

/**
 * Data bytes of each ring when {@link SharedMemoryLinkOptions.bytes} is not given: 1 MiB (a link
 * holds 2 MiB). Larger than the 256 KiB the engine joins into one write, so a burst is copied whole
 * rather than in ring-sized pieces with a wait between them.
 */
export const DEFAULT_RING_BYTES = 1_048_576;

let links = 0;

/**
 * A new shared-memory link: two ends, each writing the ring the other reads. Keep one, send the
 * other to another thread (`postMessage(end, [end.port])`, or `workerData` with the port in
 * `transferList`), and make a connection of each.
 *
 * @example
 * ```ts
 * const [mine, theirs] = createSharedMemoryLink({ bytes: 1 << 20 });
 * const worker = new Worker('./worker.js', { workerData: theirs, transferList: [theirs.port] });
 * transport.offer(mine); // a server listening on shm://main:0 gets the connection
 * ```
 * @throws RangeError when `bytes` is out of range.
 */
export function createSharedMemoryLink(options: SharedMemoryLinkOptions = {}): readonly [SharedMemoryEnd, SharedMemoryEnd] {
  const bytes = options.bytes ?? DEFAULT_RING_BYTES;
  const ab = SharedRing.allocate(bytes);
  const ba = SharedRing.allocate(bytes);
  const { port1, port2 } = new MessageChannel();
  const id = `${(links++).toString(36)}-${Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0')}`;
  return [
    { kind: 'rxmsg-shm-end', name: `${id}.a`, send: ab, receive: ba, port: port1 },
    { kind: 'rxmsg-shm-end', name: `${id}.b`, send: ba, receive: ab, port: port2 },
  ];
}
