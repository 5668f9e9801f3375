import { expect } from 'chai';
import { NEVER, map, of } from 'rxjs';
import { z } from 'zod';
import { defineProtocol } from '@rxmsg/core';
import { memoryPair, type FaultPlan, type Faults } from '@rxmsg/testing';
import { Echo, pong } from './support/echo-protocol';

// Type-level tests: `tsc -b` fails if a line marked @ts-expect-error compiles, or if an
// Equals<> check is false. Each test also runs.

/** `true` exactly when A and B are the same type (not merely mutually assignable). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const WithReplies = defineProtocol({
  name: 'replies',
  tag: 'kind',
  client: { Hello: z.object({ name: z.string() }) },
  server: { World: z.object({ greeting: z.string() }), Oops: z.object({ error: z.string() }) },
  errorReplies: { server: (e) => ({ kind: 'Oops', error: e.code }) },
});

describe('memoryPair types', () => {
  it('types the server and client like createServer and createClient, config included', async () => {
    const pair = await memoryPair({
      protocol: WithReplies,
      processor: (in$) => in$.pipe(map((m) => ({ kind: 'World', greeting: m.name }) as const)),
      config: { onDecodeError: 'reply', maxFrameBytes: 4096 } as const,
      client: { processor: () => NEVER, config: { connectTimeoutMs: 500 } as const },
    });
    const decode: Equals<typeof pair.server.config.onDecodeError, 'reply'> = true;
    const timeout: Equals<typeof pair.client.config.connectTimeoutMs, 500> = true;
    expect(decode && timeout).to.equal(true);
    await pair.close();
  });

  it('rejects a processor that sends the wrong side\'s messages, and a reply policy without errorReplies', async () => {
    const bad = async (): Promise<void> => {
      await memoryPair({
        protocol: Echo,
        // @ts-expect-error a server processor cannot send a client message (Ping)
        processor: (in$) => in$.pipe(map((m) => ({ kind: 'Ping', n: m.n, text: m.text }) as const)),
      });
      await memoryPair({
        protocol: Echo,
        processor: pong,
        // @ts-expect-error Echo defines no errorReplies.server, so 'reply' is not a policy it can take
        config: { onDecodeError: 'reply' } as const,
      });
      await memoryPair({
        protocol: Echo,
        processor: pong,
        // @ts-expect-error the client's processor sends client messages only
        client: { processor: () => of({ kind: 'Pong', n: 1, text: '' } as const) },
      });
    };
    expect(bad).to.be.a('function');
  });

  it('checks fault plans: a direction is required for dropAfter, and split takes its three forms', () => {
    const ok: Faults[] = [{ split: 'every-byte' }, { split: { at: [1, 2] } }, { split: { maxChunk: 3 } }, { dropAfter: { bytes: 1, direction: 'write' } }];
    // @ts-expect-error dropAfter needs a direction
    const noDirection: Faults = { dropAfter: { bytes: 1 } };
    // @ts-expect-error 'some-bytes' is no split
    const badSplit: Faults = { split: 'some-bytes' };
    const plan: FaultPlan = ({ side, index }) => (side === 'listen' && index === 0 ? ok[0] : undefined);
    expect([noDirection, badSplit, plan]).to.have.length(3);
  });
});
