import { expect } from 'chai';
import { once } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { concat, firstValueFrom, ignoreElements, of, take, toArray } from 'rxjs';
import { ClosedError, InvalidMessageError, UnknownMessageError, createClient, createServer, openHandle, type ServerMessage } from '@rxmsg/node';
import { TextEcho, echo, type EchoReply } from './echo-protocol';

const WORKERS = 3;
const PEERS = 3;
const COUNT = 300;

describe('server.handle() and openHandle()', () => {
  it('lets N worker threads send concurrently to several peers: every message arrives, in order per (worker, peer)', async function () {
    this.timeout(60_000);
    const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: TextEcho, processor: (in$) => in$.pipe(ignoreElements()) });
    const workers: Worker[] = [];
    try {
      const accepted = firstValueFrom(server.connections$.pipe(take(PEERS), toArray()));
      const received: EchoReply[][] = [];
      const clients = Array.from({ length: PEERS }, (_, i) => {
        const got: EchoReply[] = (received[i] = []);
        // The first Ping passes the server's handshake deadline: the workers may take seconds to start.
        const c = createClient({
          connect: server.addresses()[0]!,
          protocol: TextEcho,
          processor: (in$) => concat(of({ kind: 'Ping', n: 0 } as const), in$.pipe(take(WORKERS * COUNT), ignoreElements())),
        });
        c.messages$.subscribe((m) => got.push(m));
        return c;
      });
      const peers = (await accepted).map((p) => p.id);
      const data = server.handle();
      const reports = await Promise.all(
        Array.from({ length: WORKERS }, async (_, worker) => {
          const w = new Worker(join(__dirname, 'fixtures', 'handle-sender.cjs'), { workerData: { data, worker, peers, count: COUNT }, execArgv: [] });
          workers.push(w);
          const [report] = (await once(w, 'message')) as [unknown];
          await once(w, 'exit');
          return report;
        }),
      );
      expect(reports).to.deep.equal(Array.from({ length: WORKERS }, () => ({ queued: PEERS * COUNT, unknownPeer: false })));
      await Promise.all(clients.map((c) => c.closed));
      for (const got of received) {
        expect(got).to.have.length(WORKERS * COUNT);
        for (let worker = 0; worker < WORKERS; worker++) {
          const mine = got.filter((m) => m.kind === 'Pong' && Math.floor(m.n / 1e6) === worker).map((m) => (m as { n: number }).n - worker * 1e6);
          expect(mine).to.deep.equal(Array.from({ length: COUNT }, (_, i) => i));
        }
      }
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
      await server.close();
    }
  });

  it('validates before sending, answers false for an unknown peer, closes peers, and fails fast with ClosedError once the server closed', async () => {
    const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: TextEcho, processor: echo });
    const handle = openHandle<ServerMessage<typeof TextEcho>>(server.handle());
    try {
      const got: unknown[] = [];
      const accepted = firstValueFrom(server.connections$);
      const client = createClient({ connect: server.addresses()[0]!, protocol: TextEcho, processor: (in$) => in$.pipe(ignoreElements()) });
      client.messages$.subscribe((m) => got.push(m));
      const peer = await accepted;
      // @ts-expect-error -- not a server message
      const unknown = await handle.send(peer!.id, { kind: 'Ping', n: 1 }).catch((e: unknown) => e);
      expect(unknown).to.be.instanceOf(UnknownMessageError);
      const invalid = await handle.send(peer!.id, { kind: 'Pong', n: 0.5 }).catch((e: unknown) => e);
      expect(invalid).to.be.instanceOf(InvalidMessageError);
      expect((invalid as InvalidMessageError).issues[0]!.path).to.deep.equal(['n']);
      expect(await handle.send(peer!.id, { kind: 'Pong', n: 1 })).to.equal(true);
      expect(await handle.send(peer!.id + 1000, { kind: 'Pong', n: 2 })).to.equal(false);
      const snap = await handle.snapshot();
      expect(snap.connections.map((c) => c.id)).to.deep.equal([peer!.id]);
      expect(await handle.close(peer!.id, 'bye')).to.equal(true);
      await client.closed;
      expect(got).to.deep.equal([{ kind: 'Pong', n: 1 }]);
      expect(await handle.close(peer!.id)).to.equal(false);
      await server.close();
      const after = await handle.send(1, { kind: 'Pong', n: 3 }).catch((e: unknown) => e);
      expect(after).to.be.instanceOf(ClosedError);
      expect(() => server.handle()).to.throw(ClosedError);
    } finally {
      handle.dispose();
      await server.close();
    }
  });
});
