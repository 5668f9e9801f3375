import { expect } from 'chai';
import fc from 'fast-check';
import { z } from 'zod';
import { DecodeError, InvalidMessageError, UnknownMessageError, defineProtocol } from '@rxmsg/core';
import { SendRoutes } from '../src/send-routes';
import { Auth, Kv } from './support/kv-stack';

const Lobby = defineProtocol({
  name: 'lobby',
  tag: 'op',
  client: { Join: z.object({ room: z.string() }), Bye: z.object({}) },
  server: { Joined: z.object({}) },
});
const Game = defineProtocol({
  name: 'game',
  tag: 'op',
  client: { Move: z.object({ x: z.number().int() }), Bye: z.object({}) },
  server: { Moved: z.object({}) },
});
/** A protocol tagged by another field. */
const Typed = defineProtocol({ name: 'typed', tag: 'type', client: { Hello: z.object({}) }, server: { Hi: z.object({}) } });

describe('SendRoutes', () => {
  const routes = new SendRoutes(
    'client',
    new Map([
      ['login', { protocol: Auth }],
      ['kv', { protocol: Kv }],
    ]),
  );

  it('names the stages whose protocol accepts a message (tag and full schema)', () => {
    expect(routes.stagesFor({ op: 'Login', user: 'ada', password: 'x' })).to.deep.equal(['login']);
    expect(routes.stagesFor({ op: 'Put', key: 'a', value: 1 })).to.deep.equal(['kv']);
  });

  it('checks the sending side only: a server message is no client message', () => {
    expect(() => routes.stagesFor({ op: 'Welcome', user: 'ada' })).to.throw(UnknownMessageError);
    const server = new SendRoutes('server', new Map([['login', { protocol: Auth }]]));
    expect(server.stagesFor({ op: 'Welcome', user: 'ada' })).to.deep.equal(['login']);
  });

  it('throws the InvalidMessageError of a protocol that knows the tag before any UnknownMessageError', () => {
    expect(() => routes.stagesFor({ op: 'Put', key: 'a' })).to.throw(InvalidMessageError).with.property('messageName', 'Put');
    expect(() => routes.stagesFor({ op: 'Login', user: 'ada' })).to.throw(InvalidMessageError).with.property('messageName', 'Login');
    expect(() => routes.stagesFor({ op: 'Nope' })).to.throw(UnknownMessageError);
  });

  it('lists every stage of a revisited protocol, and every protocol that accepts a shared message, in stack order', () => {
    const stack = new SendRoutes(
      'client',
      new Map([
        ['lobby', { protocol: Lobby }],
        ['game', { protocol: Game }],
        ['typed', { protocol: Typed }],
        ['rematch', { protocol: Game }],
      ]),
    );
    expect(stack.stagesFor({ op: 'Move', x: 1 })).to.deep.equal(['game', 'rematch']);
    expect(stack.stagesFor({ op: 'Bye' })).to.deep.equal(['lobby', 'game', 'rematch']);
    expect(stack.stagesFor({ type: 'Hello' })).to.deep.equal(['typed']);
  });

  it('property: any value is either routed to some stage or refused with a DecodeError, never anything else', () => {
    const message = fc.oneof(
      fc.jsonValue(),
      fc.record({ op: fc.constantFrom('Login', 'Put', 'Get', 'Nope', 'Welcome'), key: fc.oneof(fc.string(), fc.integer()), value: fc.oneof(fc.integer(), fc.string(), fc.constant(null)) }),
      fc.record({ op: fc.constant('Login'), user: fc.string(), password: fc.string() }),
    );
    fc.assert(
      fc.property(message, (m) => {
        let stages: readonly string[] | undefined;
        try {
          stages = routes.stagesFor(m);
        } catch (error) {
          expect(error).to.be.instanceOf(DecodeError);
          return;
        }
        expect(stages.length).to.be.greaterThan(0);
        for (const name of stages) expect(name === 'login' ? Auth.client.parse(m) : Kv.client.parse(m)).not.to.be.instanceOf(DecodeError);
      }),
      { numRuns: 500 },
    );
  });
});
