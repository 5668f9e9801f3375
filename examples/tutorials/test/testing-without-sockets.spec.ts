import { expect } from 'chai';
import { NEVER, concat, firstValueFrom, of, toArray } from 'rxjs';
import { type ServerEvent } from '@rxmsg/node';
import { memoryPair, virtualClock } from '@rxmsg/testing';
import { ChatProtocol, echoProcessor, sayEach } from '@rxmsg-examples/tutorials';

/** Tutorial 5 (docs/tutorials/05-testing.md): tutorial 1's echo processor, tested without a socket. */
describe('tutorial 5: testing a processor without sockets', () => {
  it('answers each Say with a Said, over a memory pair', async () => {
    // #region pair
    const { client, close } = await memoryPair({
      protocol: ChatProtocol,
      processor: echoProcessor,
      client: { processor: sayEach(['hello', 'world']) },
    });
    const answers = firstValueFrom(client.messages$.pipe(toArray()));
    await client.closed; // sayEach completes after two answers, which closes the connection
    expect(await answers).to.deep.equal([
      { kind: 'Said', from: 1, text: 'hello' },
      { kind: 'Said', from: 1, text: 'world' },
    ]);
    await close();
    // #endregion
  });

  it('decodes the same messages when the server reads one byte at a time', async () => {
    // #region split
    const { client, faulty, close } = await memoryPair({
      protocol: ChatProtocol,
      processor: echoProcessor,
      client: { processor: sayEach(['hello', 'wörld ✓']) },
      // Only the server's reads are cut: 'listen' is the side of accepted connections.
      faults: ({ side }) => (side === 'listen' ? { split: 'every-byte' } : undefined),
    });
    const answers = firstValueFrom(client.messages$.pipe(toArray()));
    await client.closed;
    expect((await answers).map((m) => m.kind === 'Said' && m.text)).to.deep.equal(['hello', 'wörld ✓']);
    // Every byte the server read came in an onData call of its own.
    expect(faulty!.stats.chunksDelivered).to.equal(faulty!.stats.bytesDelivered);
    await close();
    // #endregion
  });

  it('answers a corrupted line with an Error and goes on, under onDecodeError: reply', async () => {
    // #region corrupt
    const { client, server, close } = await memoryPair({
      protocol: ChatProtocol,
      processor: echoProcessor,
      config: { onDecodeError: 'reply' } as const,
      client: { processor: sayEach(['hello', 'world']) },
      // Byte 1 of the first line, the `"` of `{"kind"`, is flipped on its way to the server.
      faults: ({ side }) => (side === 'listen' ? { corrupt: { offset: 1 } } : undefined),
    });
    const events: ServerEvent[] = [];
    server.events$.subscribe((e) => events.push(e));
    const answers = firstValueFrom(client.messages$.pipe(toArray()));
    await client.closed;
    const [error, said] = await answers;
    expect(error).to.deep.include({ kind: 'Error', code: 'MESSAGE_MALFORMED' });
    expect(said).to.deep.equal({ kind: 'Said', from: 1, text: 'world' });
    expect(events.find((e) => e.type === 'decode-error')).to.deep.include({ action: 'reply' });
    await close();
    // #endregion
  });

  it('closes an idle client after idleTimeoutMs, on virtual time', async () => {
    // #region idle
    const clock = virtualClock();
    const { client, server, close } = await memoryPair({
      protocol: ChatProtocol,
      processor: echoProcessor,
      config: { idleTimeoutMs: 60_000 } as const,
      scheduler: clock.scheduler, // every timer of both sides runs on the virtual clock
      client: { processor: () => concat(of({ kind: 'Say', text: 'hi' } as const), NEVER) },
    });
    const events: [number, ServerEvent][] = [];
    server.events$.subscribe((e) => events.push([clock.now(), e]));
    await clock.runUntil(client.closed); // a minute of virtual time, in milliseconds of real time
    const [at, gone] = events.find(([, e]) => e.type === 'disconnected')!;
    expect(gone).to.deep.include({ reason: 'idle-timeout' });
    expect(at).to.equal(60_000);
    await clock.runUntil(close()); // closing waits on timers too: run the clock until it is done
    // #endregion
  });
});
