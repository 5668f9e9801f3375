import { expect } from 'chai';
import { z } from 'zod';
import { defineProtocol, type RequestsOf } from '@rxmsg/core';

// Type-level tests of `requests` in a protocol definition: `tsc -b` fails if a line marked with
// an expected error compiles, or if an Equals<> check is false.

/** `true` exactly when A and B are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const client = { Get: z.object({ key: z.string() }), Watch: z.object({ key: z.string() }), Pong: z.object({}) };
const server = { Value: z.object({ value: z.string() }), Changed: z.object({ value: z.string() }), Ping: z.object({}) };

describe('request declaration types', () => {
  it('derives one typed pair per declared request', () => {
    const Kv = defineProtocol({ name: 'kv', tag: 'kind', client, server, requests: { client: { Get: 'Value', Watch: { stream: 'Changed' } }, server: { Ping: 'Pong' } } });
    type Pairs = RequestsOf<typeof Kv>;
    const get: Equals<Extract<Pairs, { name: 'Get' }>['reply'], { kind: 'Value'; value: string }> = true;
    const watch: Equals<Extract<Pairs, { name: 'Watch' }>['stream'], true> = true;
    const ping: Equals<Extract<Pairs, { name: 'Ping' }>['side'], 'server'> = true;
    expect([get, watch, ping]).to.deep.equal([true, true, true]);
  });

  it('does not compile with a reply of the wrong direction or an unknown name', () => {
    const make = () => [
      // @ts-expect-error Get is answered by a server message; Pong is a client message
      defineProtocol({ name: 'a', tag: 'kind', client, server, requests: { client: { Get: 'Pong' } } }),
      // @ts-expect-error no such server message
      defineProtocol({ name: 'b', tag: 'kind', client, server, requests: { client: { Watch: { stream: 'Nope' } } } }),
      // @ts-expect-error Value is not a client message: it cannot be a client request
      defineProtocol({ name: 'c', tag: 'kind', client, server, requests: { client: { Value: 'Value' } } }),
    ];
    expect(make).to.throw();
  });

  it('adds nothing to the message types: the correlation field is the library\'s', () => {
    const Kv = defineProtocol({ name: 'kv', tag: 'kind', client, server, requests: { client: { Get: 'Value' } } });
    type Get = Extract<NonNullable<ReturnType<typeof Kv.client.parse>>, { kind: 'Get' }>;
    const plain: Equals<Get, { kind: 'Get'; key: string }> = true;
    expect(plain).to.equal(true);
  });
});
