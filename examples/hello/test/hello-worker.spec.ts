import { expect } from 'chai';
import { concat, firstValueFrom, ignoreElements, of, take, toArray } from 'rxjs';
import { createClient } from '@rxmsg/node';
import { HelloProtocol, helloClientProcessor, startHelloWorker, type HelloWorker } from '@rxmsg-examples/hello';

describe('the hello server in a worker thread, through sessions', () => {
  // One worker for the suite: starting a thread that compiles the sources takes seconds.
  let worker: HelloWorker;
  before(() => {
    worker = startHelloWorker();
  });
  after(() => worker.close());

  it('greets rxmsg clients of the main thread over postMessage', async () => {
    const w = worker;
    const greet = async (name: string) => {
      const client = createClient({ connect: w.address, transports: [w.transport], protocol: HelloProtocol, processor: helloClientProcessor(name) });
      const replies = firstValueFrom(client.messages$.pipe(toArray()));
      await client.closed;
      return replies;
    };
    const answers = await Promise.all(['Ada', 'Grace', 'Edsger'].map(greet));
    expect(answers).to.deep.equal([
      [{ kind: 'World', greeting: 'Hello, Ada!' }],
      [{ kind: 'World', greeting: 'Hello, Grace!' }],
      [{ kind: 'World', greeting: 'Hello, Edsger!' }],
    ]);
  });

  it('applies the decode policy in the worker, as on a socket', async () => {
    const client = createClient({
      connect: worker.address,
      transports: [worker.transport],
      protocol: HelloProtocol,
      // An empty name breaks the schema: the worker answers with the protocol's error reply.
      processor: (in$) => concat(of({ kind: 'Hello', name: '' } as const), in$.pipe(take(1), ignoreElements())),
    });
    const replies = firstValueFrom(client.messages$.pipe(toArray()));
    await client.closed;
    expect((await replies)[0]).to.include({ kind: 'Error', code: 'MESSAGE_INVALID' });
  });

  it('sends many requests under flow control and gets every answer, in order', async () => {
    const n = 2000;
    const client = createClient({
      connect: worker.address,
      transports: [worker.transport],
      protocol: HelloProtocol,
      processor: (in$) =>
        concat(
          of(...Array.from({ length: n }, (_, i) => ({ kind: 'Hello', name: `n${i}` }) as const)),
          in$.pipe(take(n), ignoreElements()),
        ),
    });
    const replies = firstValueFrom(client.messages$.pipe(toArray()));
    await client.closed;
    const got = await replies;
    expect(got).to.have.length(n);
    expect(got[n - 1]).to.deep.equal({ kind: 'World', greeting: `Hello, n${n - 1}!` });
  });
});
