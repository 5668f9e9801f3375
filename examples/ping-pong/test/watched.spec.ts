import { expect } from 'chai';
import { filter, from, lastValueFrom, map, of, tap, toArray } from 'rxjs';
import type { Peer } from '@rxmsg/node';
import { watched } from '@rxmsg-examples/ping-pong';

interface State {
  last: number;
}

// The processors under test only read `state`: a partial peer is enough.
const peerWith = (state: State) => ({ state }) as unknown as Peer<number, number, State>;

describe('watched', () => {
  it('reports after the processor has handled each message it receives, and after each it emits', async () => {
    const state = { last: 0 };
    const seen: string[] = [];
    const processor = watched<number, number, State>(
      (in$, peer) =>
        in$.pipe(
          tap((m) => (peer.state.last = m)),
          filter((m) => m % 2 === 0),
          map((m) => m * 10),
          tap((m) => seen.push(`out ${m}`)),
        ),
      (s) => seen.push(`report ${s.last}`),
    );
    const out = await lastValueFrom(from(processor(of(1, 2, 3), peerWith(state))).pipe(toArray()));
    expect(out).to.deep.equal([20]);
    // `report 1`, not `report 0`: the state already has the message; an output is reported once sent on.
    expect(seen).to.deep.equal(['report 1', 'out 20', 'report 2', 'report 2', 'report 3']);
  });
});
