import { expect } from 'chai';
import { of, type Observable } from 'rxjs';
import type { ClientProcessor, ServerProcessor } from '@rxmsg/core';
import { rpc, type Client, type ReplyOf } from '@rxmsg/runtime';
import { Kv } from './support/kv-protocol';

// Type-level tests of the request helpers: `tsc -b` fails if a line marked with an expected
// error compiles, or if an Equals<> check is false. The functions are compiled, not all run.

/** `true` exactly when A and B are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const kv = rpc(Kv);
type Value = { kind: 'Value'; key: string; value: string | null };
type Changed = { kind: 'Changed'; key: string; value: string };

describe('rpc types', () => {
  it('types the reply of a request after its tag', () => {
    const value: Equals<ReplyOf<typeof Kv, { kind: 'Get'; key: string }>, Value> = true;
    const ok: Equals<ReplyOf<typeof Kv, { kind: 'Put'; key: string; value: string }>, { kind: 'Ok' }> = true;
    expect([value, ok]).to.deep.equal([true, true]);
  });

  it('gives request() the reply type, and request$() the stream item type', () => {
    const use = (client: Client<typeof Kv, unknown>) => {
      const get: Promise<Value> = kv.request(client, { kind: 'Get', key: 'a' });
      const changes: Observable<Changed> = kv.request$(client, { kind: 'Watch', key: 'a' });
      // @ts-expect-error the reply of Get is a Value, not an Ok
      const wrong: Promise<{ kind: 'Ok' }> = kv.request(client, { kind: 'Get', key: 'a' });
      // @ts-expect-error Watch is a request-stream: request() is for single requests
      void kv.request(client, { kind: 'Watch', key: 'a' });
      // @ts-expect-error Note is not a request
      void kv.request(client, { kind: 'Note', text: 'x' });
      // @ts-expect-error a Get needs its key
      void kv.request(client, { kind: 'Get' });
      return [get, changes, wrong];
    };
    expect(use).to.be.a('function');
  });

  it('lets each side request only what it sends', () => {
    const server: ServerProcessor<typeof Kv> = (in$, peer) => {
      const probe: Promise<{ kind: 'Probed'; load: number }> = kv.request(peer, { kind: 'Probe' });
      // @ts-expect-error Get is a client request: a server peer cannot send it
      void kv.request(peer, { kind: 'Get', key: 'a' });
      void probe;
      return in$.pipe(kv.respond(peer, {}));
    };
    const client: ClientProcessor<typeof Kv> = (in$, peer) => {
      // @ts-expect-error Probe is a server request
      void kv.request(peer, { kind: 'Probe' });
      return in$.pipe(kv.respond(peer, { Probe: () => ({ kind: 'Probed', load: 1 }) }));
    };
    expect([server, client].every((f) => typeof f === 'function')).to.equal(true);
  });

  it('makes respond handlers return the declared reply type', () => {
    const good: ServerProcessor<typeof Kv> = (in$, peer) =>
      in$.pipe(
        kv.respond(peer, {
          Get: async ({ key }) => ({ kind: 'Value', key, value: null }),
          Put: () => of({ kind: 'Ok' as const }),
          Watch: ({ key }) => [{ kind: 'Changed', key, value: 'v' } as const],
        }),
      );
    const wrongReply: ServerProcessor<typeof Kv> = (in$, peer) =>
      // @ts-expect-error Get is answered by a Value
      in$.pipe(kv.respond(peer, { Get: () => ({ kind: 'Ok' }) }));
    const notAStream: ServerProcessor<typeof Kv> = (in$, peer) =>
      // @ts-expect-error a request-stream handler returns a stream of Changed
      in$.pipe(kv.respond(peer, { Watch: ({ key }) => ({ kind: 'Changed', key, value: 'v' }) }));
    const unknownRequest: ServerProcessor<typeof Kv> = (in$, peer) =>
      // @ts-expect-error Probe is the server's request: the server does not answer it
      in$.pipe(kv.respond(peer, { Probe: () => ({ kind: 'Probed', load: 1 }) }));
    expect([good, wrongReply, notAStream, unknownRequest]).to.have.length(4);
  });
});
