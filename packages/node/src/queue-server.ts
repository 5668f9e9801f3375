import { MessageChannel, type MessagePort } from 'node:worker_threads';
import * as runtime from '@rxmsg/runtime';
import { ClosedError, type AnyProtocol, type ConfigInput, type EffectiveConfig, type ReplySides } from '@rxmsg/core';
import { withBuiltInTransports, type BuiltInTransportsOption } from './built-in-transports';
import { QueuePortHost } from './queue-port-host';

/** A {@link runtime.QueueServer} in Node, whose queues can also be used from worker threads. */
export interface NodeQueueServer<P extends AnyProtocol, C> extends runtime.QueueServer<P, C> {
  /**
   * A new `MessagePort` to transfer to a worker thread, where `queueHandle(port)` offers the
   * queue server's operations (asynchronous and blocking). Every port is closed by `stop()`.
   * @throws {@link @rxmsg/core!ClosedError} once `stop()` was called.
   */
  port(): MessagePort;
}

/**
 * {@link runtime.createQueueServer} with TCP, Unix-socket, TLS and WebSocket listeners available
 * by default, and `port()` for worker threads.
 *
 * @example
 * ```ts
 * const server = await createQueueServer({ listen: 'tcp://127.0.0.1:4000', protocol: Echo, inboundLimit: 64 });
 * while (await server.waitIncoming(id, { timeoutMs: 1000 })) server.push(id, { kind: 'Echoed', text: server.pop(id)!.text });
 * const worker = new Worker(file, { workerData: { port: server.port() }, transferList: [...] });
 * await server.stop();
 * ```
 */
export async function createQueueServer<P extends AnyProtocol, const C extends ConfigInput<'server', ReplySides<P>> = {}>(
  options: runtime.QueueServerOptions<P, C> & BuiltInTransportsOption,
): Promise<NodeQueueServer<P, EffectiveConfig<'server', C>>> {
  const server = await runtime.createQueueServer<P, C>(withBuiltInTransports(options));
  const hosts = new Set<QueuePortHost<P>>();
  let stopping = false;
  return {
    ...server,
    port: () => {
      if (stopping) throw new ClosedError('the queue server is stopped');
      const { port1, port2 } = new MessageChannel();
      hosts.add(new QueuePortHost<P>(server, options.protocol, port1));
      return port2;
    },
    stop: () => {
      if (!stopping) {
        stopping = true;
        for (const host of hosts) host.close();
        hosts.clear();
      }
      return server.stop();
    },
  };
}
