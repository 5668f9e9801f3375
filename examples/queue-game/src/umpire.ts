import type { ClientMessage, QueueServer, ServerMessage } from '@rxmsg/node';
import type { RaceProtocol } from './protocol';

/** Options of {@link umpire}. */
export interface UmpireOptions {
  /** Players to seat before the game starts (2 by default). */
  readonly players?: number;
  /** The total to reach (21 by default). */
  readonly target?: number;
  /** How long a player may think; who takes longer forfeits (10 s by default). */
  readonly turnTimeoutMs?: number;
}

/** How a game ended. */
export interface GameResult {
  /** The seat of the winner. */
  readonly winner: number;
  /** Client id per seat. */
  readonly seats: readonly string[];
  /** Accepted moves. */
  readonly moves: number;
  /** Whether the game ended because a player left or did not move in time. */
  readonly forfeit: boolean;
}

type Race = typeof RaceProtocol;
type Queues = QueueServer<Race, unknown>;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Umpire one game on a queue server, written as a plain loop: seat the first players who
 * send `Join`, then ask each in turn for a move, check it, tell everybody, until the total
 * reaches the target or a player forfeits.
 *
 * @example
 * ```ts
 * const server = await createQueueServer({ listen: 'tcp://127.0.0.1:4021', protocol: RaceProtocol });
 * const result = await umpire(server, { players: 2 });
 * await server.stop();
 * ```
 */
export async function umpire(server: Queues, options: UmpireOptions = {}): Promise<GameResult> {
  const players = options.players ?? 2;
  const target = options.target ?? 21;
  const turnTimeoutMs = options.turnTimeoutMs ?? 10_000;
  const send = (id: string, message: ServerMessage<Race>): boolean => server.push(id, message);

  // Seating: whoever says Join first.
  const seats: string[] = [];
  while (seats.length < players) {
    const waiting = server.clientIds().filter((id) => !seats.includes(id) && server.isConnected(id));
    if (waiting.length === 0) await pause(5);
    for (const id of waiting) {
      if (!(await server.waitIncoming(id, { timeoutMs: 5 }))) continue;
      const m: ClientMessage<Race> | undefined = server.pop(id);
      if (m?.kind !== 'Join' || seats.length >= players) continue;
      seats.push(id);
      send(id, { kind: 'Welcome', seat: seats.length - 1, target });
    }
  }

  // The game: one turn at a time.
  let total = 0;
  let turn = 0;
  let moves = 0;
  let winner = -1;
  let forfeit = false;
  while (winner < 0) {
    const seat = turn % players;
    const id = seats[seat]!;
    send(id, { kind: 'YourTurn', total });
    if (!(await server.waitIncoming(id, { timeoutMs: turnTimeoutMs }))) {
      winner = (seat + 1) % players;
      forfeit = true;
      break;
    }
    const m = server.pop(id)!;
    if (m.kind !== 'Move' || total + m.add > target) {
      send(id, { kind: 'Rejected', reason: m.kind !== 'Move' ? 'not a move' : `more than ${target}` });
      continue;
    }
    total += m.add;
    moves++;
    for (const other of seats) send(other, { kind: 'Moved', seat, add: m.add, total });
    if (total === target) winner = seat;
    turn++;
  }
  for (const id of seats) send(id, { kind: 'Over', winner });
  return { winner, seats, moves, forfeit };
}
