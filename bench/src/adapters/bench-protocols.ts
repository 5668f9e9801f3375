import type * as RxmsgNode from '@rxmsg/node';
import type * as Rxjs from 'rxjs';
import { z } from 'zod';

// The messages of every workload: the client sends Ping, the server answers Pong with the same n.
const client = { Ping: z.object({ n: z.number().int().min(0) }) };
const server = { Pong: z.object({ n: z.number().int().min(0) }) };

function define(node: typeof RxmsgNode) {
  return {
    /** The bench protocol as JSON lines (`{"kind":"Ping","n":0}\n`). */
    text: node.defineProtocol({ name: 'bench', tag: 'kind', codec: 'text', client, server }),
    /** The bench protocol as length-prefixed MessagePack. */
    binary: node.defineProtocol({ name: 'bench', tag: 'kind', codec: 'binary', client, server }),
    /**
     * The first protocol of the handover workload's stack, as JSON lines: the client says
     * `Hello`, the server answers `Welcome`; then both switch to the binary bench protocol.
     */
    handshake: node.defineProtocol({
      name: 'handshake',
      tag: 'kind',
      codec: 'text',
      client: { Hello: z.object({ version: z.literal(1) }) },
      server: { Welcome: z.object({ id: z.number().int().min(0) }) },
    }),
  };
}

/** The protocols of the rxmsg systems. */
export type BenchProtocols = ReturnType<typeof define>;

/** Either bench protocol; both have the same message types. */
export type BenchProtocol = BenchProtocols['text'];

/** What the rxmsg adapters use, once loaded. */
export interface Rxmsg {
  readonly node: typeof RxmsgNode;
  readonly rxjs: typeof Rxjs;
  readonly protocols: BenchProtocols;
}

let loaded: Rxmsg | undefined;

/**
 * `@rxmsg/node`, rxjs and the bench protocols, loaded on first use: every child process loads
 * the adapter table, and only those running an rxmsg system pay for loading rxmsg (start-up is
 * most of a quick run's time).
 */
export function loadRxmsg(): Rxmsg {
  if (loaded === undefined) {
    // require() returns `any`: the casts give it the types of the modules it loads.
    const node = require('@rxmsg/node') as typeof RxmsgNode;
    loaded = { node, rxjs: require('rxjs') as typeof Rxjs, protocols: define(node) };
  }
  return loaded;
}
