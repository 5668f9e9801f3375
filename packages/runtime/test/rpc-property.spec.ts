import { expect } from 'chai';
import fc from 'fast-check';
import { NEVER, Observable } from 'rxjs';
import { SERVER_CONFIG_DEFAULTS, type ServerProcessor } from '@rxmsg/core';
import { rpc, serverStage, type ConnectionEvent } from '@rxmsg/runtime';
import { Session } from '@rxmsg/runtime/internal';
import type { ActiveStage } from '../src/active-stage';
import { FakeConnection } from '@rxmsg/test-utils';
import { Kv } from './support/kv-protocol';

const kv = rpc(Kv);
const CONCURRENCY = 4;
const PROBES = 3;

/** Correlation ids a hostile peer may send: valid, unknown, negative, fractional, huge, not numbers. */
const rid = fc.oneof(
  fc.integer({ min: 1, max: 8 }),
  fc.integer({ min: -5, max: 1_000 }).filter((n) => n !== 0),
  fc.constantFrom(-1, 0.5, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e300, '1', null, true),
  fc.constant(undefined),
);

/** One hostile message: control messages, replies and requests with any correlation id. */
const frame = fc.record(
  {
    kind: fc.constantFrom('$end', '$error', '$cancel', '$nope', 'Probed', 'Get', 'Watch', 'Put', 'Note', 'Value'),
    rid,
    key: fc.string({ maxLength: 4 }),
    value: fc.string({ maxLength: 4 }),
    load: fc.double({ noNaN: true }),
    code: fc.oneof(fc.string({ maxLength: 80 }), fc.integer()),
    message: fc.string({ maxLength: 40 }),
    text: fc.string({ maxLength: 4 }),
  },
  { requiredKeys: ['kind'] },
);

/** A server session of the KV protocol answering requests, with `PROBES` requests of its own outstanding. */
function session(validation: 'full' | 'tag') {
  const connection = new FakeConnection();
  const events: ConnectionEvent[] = [];
  let stage: ActiveStage<unknown> | undefined;
  const processor: ServerProcessor<typeof Kv> = (in$, peer) => {
    stage = peer as unknown as ActiveStage<unknown>;
    for (let i = 0; i < PROBES; i++) kv.request$(peer, { kind: 'Probe' }, { timeoutMs: 0 }).subscribe({ error: () => {} });
    return in$.pipe(
      kv.respond(
        peer,
        {
          Get: ({ key }) => ({ kind: 'Value', key, value: null }),
          Put: () => NEVER,
          Watch: ({ key }) => new Observable<{ kind: 'Changed'; key: string; value: string }>((s) => s.next({ kind: 'Changed', key, value: 'now' })),
        },
        { concurrency: CONCURRENCY },
      ),
    );
  };
  const s = new Session({
    id: 1,
    side: 'server',
    connection,
    listener: 'fake',
    config: { ...SERVER_CONFIG_DEFAULTS, onDecodeError: 'ignore', validation },
    state: {},
    stages: new Map([['kv', serverStage(Kv, processor)]]),
    router: (_s, _p, previous) => (previous === null ? 'kv' : null),
    emit: (e) => events.push(e),
    onClosed: () => {},
  });
  s.start();
  return { connection, events, session: s, stage: () => stage! };
}

describe('rpc: hostile correlation and control messages (property)', () => {
  for (const validation of ['full', 'tag'] as const) {
    it(`keeps the connection sane and answering under validation: '${validation}'`, () => {
      fc.assert(
        fc.property(fc.array(frame, { maxLength: 60 }), fc.integer({ min: 1, max: 7 }), (frames, chunks) => {
          const { connection, events, session: s, stage } = session(validation);
          const input = frames.map((f) => JSON.stringify(f) + '\n').join('');
          // Fed in a few chunks, cut anywhere: frames split across reads too.
          const size = Math.ceil(input.length / chunks) || 1;
          for (let at = 0; at < input.length; at += size) connection.receive(input.slice(at, at + size));
          const calls = stage().calls!;
          expect(calls.inFlight).to.be.at.most(PROBES);
          expect(calls.served).to.be.at.most(CONCURRENCY);
          expect(events.filter((e) => e.type === 'disconnected' || e.type === 'processor-error')).to.deep.equal([]);
          // A request with a fresh id is still answered (its reply, or BUSY when hostile Puts hold every slot).
          const before = connection.text().length;
          connection.receive('{"kind":"Get","key":"z","rid":0}\n');
          const answer = connection.text().slice(before);
          expect(answer).to.match(/"rid":0[,}]/);
          expect(s.closing).to.equal(false);
          s.destroy();
        }),
        { numRuns: 150 },
      );
    });
  }

  it('drops a flood of $cancel, $end and stray replies one by one, each reported, holding nothing', () => {
    const { connection, events, session: s, stage } = session('full');
    const flood: string[] = [];
    for (let i = 1; i <= 3_000; i++) flood.push(`{"kind":"$cancel","rid":${i}}\n`, `{"kind":"$end","rid":${i + 10}}\n`, `{"kind":"Probed","load":0,"rid":${i + 10}}\n`);
    connection.receive(flood.join(''));
    const dropped = events.filter((e) => e.type === 'message-dropped' && e.cause === 'uncorrelated');
    expect(dropped).to.have.length(9_000);
    expect(stage().calls!.inFlight).to.equal(PROBES);
    expect(stage().calls!.served).to.equal(0);
    connection.receive('{"kind":"Get","key":"z","rid":0}\n');
    expect(connection.text()).to.contain('{"kind":"Value","key":"z","value":null,"rid":0}');
    expect(s.closing).to.equal(false);
    s.destroy();
  });
});
