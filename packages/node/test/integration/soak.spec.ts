/**
 * Soak test: clients over every transport of the matrix (TCP, Unix socket, TLS) and both codecs do
 * request/response without pause, each with a window of requests in flight, for a bounded time.
 * Asserts that no message is lost or reordered, that no error is reported on either side, that the
 * heap does not grow while it runs, and that no handle is left once the servers are closed.
 *
 * It runs for 3 seconds by default, as part of `npm test`. Set `RXMSG_SOAK_SECONDS` for a longer run
 * (`--no-config`: the spec list of .mocharc.json would otherwise add every other suite to the run):
 *
 *     RXMSG_SOAK_SECONDS=600 npx mocha --no-config -r ts-node/register -n conditions=@rxmsg/source \
 *       --extension ts packages/node/test/integration/soak.spec.ts
 */
import { expect } from 'chai';
import { Observable } from 'rxjs';
import { createClient, createServer, type ClientEvent, type ServerEvent } from '@rxmsg/node';
import { activeResources, leakedResources, settledHeapUsed, within } from '@rxmsg/test-utils';
import { BinaryEcho, TextEcho, echo, ofType, record, type EchoProtocol, type EchoReply, type Ping } from './echo-protocol';
import { TRANSPORT_CASES } from './transport-cases';

const DEFAULT_SECONDS = 3;
const CLIENTS_PER_TRANSPORT_AND_CODEC = 2;
/** Requests each client keeps in flight. */
const WINDOW = 8;

/** The soak duration in ms: `RXMSG_SOAK_SECONDS` if it is a positive number, else the default. */
function soakMs(): number {
  const raw = process.env['RXMSG_SOAK_SECONDS'];
  const seconds = raw === undefined ? NaN : Number(raw);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_SECONDS) * 1000;
}

/** What one client saw. */
interface Tally {
  sent: number;
  received: number;
  /** Answers that were not the next expected `Pong`. */
  readonly wrong: EchoReply[];
  /** The server ended the connection while answers were still due. */
  endedEarly: boolean;
}

/**
 * A client processor keeping `window` requests in flight: each answer is checked against the
 * next expected number and, until `stopping()` holds, answered with a new request. Once stopping,
 * it completes when every request was answered.
 */
function windowed(window: number, stopping: () => boolean, tally: Tally): (in$: Observable<EchoReply>) => Observable<Ping> {
  return (in$) =>
    new Observable<Ping>((out) => {
      const send = () => out.next({ kind: 'Ping', n: tally.sent++ });
      const sub = in$.subscribe({
        next: (m) => {
          if (m.kind !== 'Pong' || m.n !== tally.received) tally.wrong.push(m);
          tally.received++;
          if (!stopping()) send();
          else if (tally.received === tally.sent) out.complete();
        },
        complete: () => {
          if (tally.received !== tally.sent) tally.endedEarly = true;
          out.complete();
        },
      });
      for (let i = 0; i < window; i++) send();
      return () => sub.unsubscribe();
    });
}

describe('soak', () => {
  it(`clients over every transport and codec exchange messages for ${soakMs() / 1000} s without loss, reordering, errors or leaks`, async function () {
    const duration = soakMs();
    this.timeout(duration + 30_000);
    const before = await activeResources();
    const setups = await Promise.all(TRANSPORT_CASES.map(async (tc) => ({ tc, setup: await tc.setup() })));
    const allTransports = setups.flatMap((s) => s.setup.transports);

    // One server per codec, listening on every transport at once.
    const servers = await Promise.all(
      [TextEcho, BinaryEcho].map(async (protocol: EchoProtocol) => {
        const server = await createServer({
          listen: TRANSPORT_CASES.map((tc) => tc.listenAddress()),
          transports: allTransports,
          protocol,
          processor: echo,
          config: { flushTimeoutMs: 2000 },
        });
        return { protocol, server, log: record(server.events$) };
      }),
    );
    let stopping = false;
    const clients: { name: string; server: number; tally: Tally; closed: Promise<void>; log: { events: ClientEvent[] } }[] = [];
    try {
      for (const [index, { server, protocol }] of servers.entries()) {
        server.addresses().forEach((address, i) => {
          const { tc, setup } = setups[i]!;
          for (let k = 0; k < CLIENTS_PER_TRANSPORT_AND_CODEC; k++) {
            const tally: Tally = { sent: 0, received: 0, wrong: [], endedEarly: false };
            const client = createClient({
              connect: address,
              transports: setup.transports,
              protocol,
              processor: windowed(WINDOW, () => stopping, tally),
            });
            clients.push({ name: `${tc.name} ${protocol.codec.name} #${k}`, server: index, tally, closed: client.closed, log: record(client.events$) });
          }
        });
      }

      const t0 = Date.now();
      // The heap once every connection is up and busy, and again at the end of the run.
      await new Promise((r) => setTimeout(r, Math.min(1000, duration / 3)));
      const early = await settledHeapUsed();
      await new Promise((r) => setTimeout(r, Math.max(0, duration - (Date.now() - t0))));
      const late = await settledHeapUsed();
      stopping = true;
      await within(Promise.all(clients.map((c) => c.closed)), 10_000, 'every client to finish');
      const elapsed = (Date.now() - t0) / 1000;

      const total = clients.reduce((n, c) => n + c.tally.received, 0);
      console.log(
        `      soak: ${clients.length} clients, ${total} request/response pairs in ${elapsed.toFixed(1)} s ` +
          `(${Math.round(total / elapsed)}/s); heap ${mb(early.heapUsed)} -> ${mb(late.heapUsed)} MB`,
      );
      for (const c of clients) {
        expect({ client: c.name, wrong: c.tally.wrong, endedEarly: c.tally.endedEarly }).to.deep.equal({ client: c.name, wrong: [], endedEarly: false });
        expect(c.tally.received, c.name).to.equal(c.tally.sent);
        expect(c.tally.received, `${c.name} made progress`).to.be.above(WINDOW);
        expect(failures(c.log.events), c.name).to.deep.equal([]);
        expect(c.log.events.flatMap((e) => (e.type === 'disconnected' ? [e.reason] : [])), c.name).to.deep.equal(['completed']);
      }
      expect(late.heapUsed - early.heapUsed).to.be.below(30 * 1024 * 1024);
      for (const [index, { server, log }] of servers.entries()) {
        await within(
          (async () => {
            while (server.snapshot().connections.length > 0) await new Promise((r) => setTimeout(r, 5));
          })(),
          2000,
          'the servers to see every connection end',
        );
        expect(failures(log.events)).to.deep.equal([]);
        const ended = ofType(log.events, 'disconnected');
        expect(ended.map((e) => e.reason)).to.deep.equal(Array<string>(ended.length).fill('completed'));
        expect(ended).to.have.length(clients.length / servers.length);
        // The server's counters agree with the clients'.
        const served = ended.reduce((n, e) => n + e.stats.messagesIn, 0);
        const mine = clients.filter((c) => c.server === index);
        expect(served).to.equal(mine.reduce((n, c) => n + c.tally.sent, 0));
      }
    } finally {
      stopping = true;
      await Promise.all(servers.map((s) => s.server.close()));
    }
    expect(await leakedResources(before)).to.deep.equal([]);
  });
});

function failures(events: readonly (ServerEvent | ClientEvent)[]): (ServerEvent | ClientEvent)[] {
  return events.filter(
    (e) =>
      e.type === 'decode-error' ||
      e.type === 'processor-error' ||
      e.type === 'send-queue-full' ||
      e.type === 'message-dropped' ||
      e.type === 'connection-refused' ||
      e.type === 'connect-failed',
  );
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
