import type { Connection } from '@rxmsg/core';

/**
 * A view of `connection` that calls `onEnd` when the remote side ends its input (or the
 * connection closes without such an end), just before whoever started the view hears of it.
 * Everything else passes through unchanged, counters included.
 *
 * The client uses it to tell a stack that completed on its own from one that completed because
 * the server closed the connection: the session reports both as `completed`.
 */
export function watchInputEnd(connection: Connection, onEnd: () => void): Connection {
  let ended = false;
  const notify = (): void => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  return {
    get framing() {
      return connection.framing;
    },
    get localAddress() {
      return connection.localAddress;
    },
    get remoteAddress() {
      return connection.remoteAddress;
    },
    get bytesRead() {
      return connection.bytesRead;
    },
    get bytesWritten() {
      return connection.bytesWritten;
    },
    start: (handlers) =>
      connection.start({
        data: (chunk) => handlers.data(chunk),
        end: () => {
          notify();
          handlers.end();
        },
        drain: () => handlers.drain(),
        close: (error) => {
          notify();
          handlers.close(error);
        },
      }),
    write: (chunk) => connection.write(chunk),
    pause: () => connection.pause(),
    resume: () => connection.resume(),
    end: () => connection.end(),
    destroy: () => connection.destroy(),
  };
}
