import type { Subscription } from 'rxjs';
import type { ClientProcessor, ServerProcessor } from '@rxmsg/node';
import type { HandoverAdapter, RunningServer } from '../system-adapter';
import { loadRxmsg, type BenchProtocols, type Rxmsg } from './bench-protocols';
import { abnormal, listenAddress, watchedServer, type RxmsgListen } from './rxmsg-common';

/** What one connection has been through, on either side. */
interface HandoverState {
  welcomed: boolean;
  ponged: boolean;
}

type Stage = 'handshake' | 'bench';

const initialState = (): HandoverState => ({ welcomed: false, ponged: false });

/** handshake → bench → end, on both sides; a connection that was not welcomed ends after the handshake. */
const router = (state: HandoverState, _peer: unknown, previous: Stage | null): Stage | null =>
  previous === null ? 'handshake' : previous === 'handshake' && state.welcomed ? 'bench' : null;

/** The processors of both sides: one message each way per stage, then the stage completes. */
function processors({ rxjs }: Rxmsg) {
  const { concat, ignoreElements, map, of, take, tap } = rxjs;
  const serverHandshake: ServerProcessor<BenchProtocols['handshake'], HandoverState> = (in$, peer) =>
    in$.pipe(
      take(1),
      map(() => {
        peer.state.welcomed = true;
        return { kind: 'Welcome', id: peer.id } as const;
      }),
    );
  const serverBench: ServerProcessor<BenchProtocols['binary'], HandoverState> = (in$) =>
    in$.pipe(
      take(1),
      map((m) => ({ kind: 'Pong', n: m.n }) as const),
    );
  const clientHandshake: ClientProcessor<BenchProtocols['handshake'], HandoverState> = (in$, peer) =>
    concat(
      of({ kind: 'Hello', version: 1 } as const),
      in$.pipe(
        take(1),
        tap(() => (peer.state.welcomed = true)),
        ignoreElements(),
      ),
    );
  const clientBench: ClientProcessor<BenchProtocols['binary'], HandoverState> = (in$, peer) =>
    concat(
      of({ kind: 'Ping', n: 0 } as const),
      in$.pipe(
        take(1),
        tap((m) => (peer.state.ponged = m.n === 0)),
        ignoreElements(),
      ),
    );
  return { serverHandshake, serverBench, clientHandshake, clientBench };
}

/**
 * The handover workload on rxmsg: `createCompositeServer` / `createCompositeClient` with the
 * text handshake stage, then the binary bench protocol, over `listen`'s transport.
 */
export function rxmsgHandover(listen: RxmsgListen): HandoverAdapter {
  return {
    async serve(run): Promise<RunningServer> {
      const rxmsg = loadRxmsg();
      const { node, protocols } = rxmsg;
      const p = processors(rxmsg);
      const server = await node.createCompositeServer({
        listen: listenAddress(listen, run.socketDir),
        stages: { handshake: node.serverStage(protocols.handshake, p.serverHandshake), bench: node.serverStage(protocols.binary, p.serverBench) },
        initialState,
        router,
      });
      return watchedServer(server, run.problem);
    },

    async connectOnce(run): Promise<void> {
      const rxmsg = loadRxmsg();
      const { node, protocols } = rxmsg;
      const p = processors(rxmsg);
      let state: HandoverState | undefined;
      let failure: string | undefined;
      const client = node.createCompositeClient({
        connect: run.address,
        stages: { handshake: node.clientStage(protocols.handshake, p.clientHandshake), bench: node.clientStage(protocols.binary, p.clientBench) },
        initialState: () => (state = initialState()),
        router,
      });
      const events: Subscription = client.events$.subscribe((e) => {
        const text = abnormal('client', e);
        if (text !== undefined) failure ??= text;
      });
      await client.closed;
      events.unsubscribe();
      if (failure !== undefined) throw new Error(failure);
      if (state?.ponged !== true) throw new Error(`the connection closed before the binary reply (welcomed: ${state?.welcomed ?? false})`);
    },
  };
}
