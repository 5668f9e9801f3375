import type { MatchConfig, Thresholds } from './match-config';
import { opponentOf, type Player } from './player';

/**
 * What a turn's draw turns into, in threshold order: two soft service faults, six hard
 * faults, and the two good shots (`service` when serving, `rebate` in a rally).
 */
export const TURN_EVENTS = [
  'soft-mishit',
  'net-touch',
  'no-bounce',
  'no-rebate',
  'mishit',
  'pre-bounce',
  'net-block',
  'ball-out',
  'service',
  'rebate',
] as const;

/** One event of {@link TURN_EVENTS}. */
export type TurnEvent = (typeof TURN_EVENTS)[number];

/** Service attempts a server has for one point; a soft fault on the last one loses the point. */
export const MAX_SERVICE_ATTEMPTS = 3;

/** Points of each player. */
export interface Score {
  readonly client: number;
  readonly server: number;
}

/** Serving (up to {@link MAX_SERVICE_ATTEMPTS} attempts) or rallying. */
export type Phase = 'service' | 'rally';

/** Everything the umpire knows; immutable, replaced after each turn. */
export interface UmpireState {
  readonly score: Score;
  /** Who serves the current point. */
  readonly serving: Player;
  /** Whose turn it is. */
  readonly turn: Player;
  readonly phase: Phase;
  /** Service attempt (1 to 3) while serving; 0 in a rally. */
  readonly attempt: number;
  /** Turns ruled so far; the next turn has number `turns + 1`. */
  readonly turns: number;
  /** The player who reached the score limit, or `null` while the match goes on. */
  readonly winner: Player | null;
}

/** What a turn did: the same player tries again, the ball goes to the opponent, or a point is scored. */
export type Outcome = 'retry' | 'flip' | 'point';

/** The umpire's decision on one turn. */
export interface Ruling {
  /** Turn number, from 1. */
  readonly n: number;
  readonly player: Player;
  readonly draw: number;
  readonly event: TurnEvent;
  readonly outcome: Outcome;
  /** Who won the point (when `outcome` is `point`). */
  readonly pointTo: Player | null;
  /** The state after the turn. */
  readonly next: UmpireState;
}

/** The result of asking the umpire to rule: a ruling, or why the turn is not allowed. */
export type RuleResult = { readonly ok: true; readonly ruling: Ruling } | { readonly ok: false; readonly reason: string };

const HARD: readonly [keyof Thresholds, TurnEvent][] = [
  ['noBounce', 'no-bounce'],
  ['noRebate', 'no-rebate'],
  ['mishit', 'mishit'],
  ['preBounce', 'pre-bounce'],
  ['netBlock', 'net-block'],
  ['ballOut', 'ball-out'],
];

/**
 * Turn a draw into an event. While serving, the draw is compared with the thresholds as is.
 * In a rally there are no soft faults: the draw is first mapped onto `[netTouch, 1)` as
 * `netTouch + draw * (1 - netTouch)` (float64 arithmetic, in that order), then compared.
 * The event is that of the first threshold the value is below, else the good shot.
 *
 * @param thresholds - validated cumulative thresholds.
 * @param phase - serving or rallying.
 * @param draw - a number in `[0, 1)`.
 */
export function classifyDraw(thresholds: Thresholds, phase: Phase, draw: number): TurnEvent {
  if (phase === 'service') {
    if (draw < thresholds.softMishit) return 'soft-mishit';
    if (draw < thresholds.netTouch) return 'net-touch';
  }
  const value = phase === 'service' ? draw : thresholds.netTouch + draw * (1 - thresholds.netTouch);
  for (const [name, event] of HARD) if (value < thresholds[name]) return event;
  return phase === 'service' ? 'service' : 'rebate';
}

/** `true` for the soft service faults, which allow another attempt. */
export function isSoftFault(event: TurnEvent): boolean {
  return event === 'soft-mishit' || event === 'net-touch';
}

/**
 * The state at the start of a match: 0–0, `firstServer` to serve, first attempt.
 * @param firstServer - who serves the first point (the client, in this protocol).
 */
export function initialUmpireState(firstServer: Player = 'client'): UmpireState {
  return { score: { client: 0, server: 0 }, serving: firstServer, turn: firstServer, phase: 'service', attempt: 1, turns: 0, winner: null };
}

/**
 * Rule one turn, without side effects: the rules of the match in one function.
 * A good shot passes the ball to the opponent; a soft fault on attempt 1 or 2 gives the
 * server another attempt; a hard fault, or a soft fault on attempt 3, gives the point to
 * the opponent, who serves next. The match ends when a player reaches `scoreLimit`.
 *
 * @param config - the match config (score limit and thresholds).
 * @param state - the state before the turn.
 * @param player - who claims the turn.
 * @param draw - that player's draw.
 * @returns the ruling, or the reason the turn is refused (match over, wrong player, draw outside `[0, 1)`).
 */
export function rule(config: MatchConfig, state: UmpireState, player: Player, draw: number): RuleResult {
  if (state.winner !== null) return { ok: false, reason: `the match is over (${state.winner} won)` };
  if (player !== state.turn) return { ok: false, reason: `wrong player: turn ${state.turns + 1} is ${state.turn}'s, not ${player}'s` };
  if (!Number.isFinite(draw) || draw < 0 || draw >= 1) return { ok: false, reason: `draw ${draw} is outside [0, 1)` };
  const event = classifyDraw(config.thresholds, state.phase, draw);
  const n = state.turns + 1;
  const opponent = opponentOf(player);
  let next: UmpireState;
  let outcome: Outcome;
  let pointTo: Player | null = null;
  if (event === 'service' || event === 'rebate') {
    outcome = 'flip';
    next = { ...state, turn: opponent, phase: 'rally', attempt: 0, turns: n };
  } else if (isSoftFault(event) && state.attempt < MAX_SERVICE_ATTEMPTS) {
    outcome = 'retry';
    next = { ...state, attempt: state.attempt + 1, turns: n };
  } else {
    outcome = 'point';
    pointTo = opponent;
    const score = { ...state.score, [opponent]: state.score[opponent] + 1 };
    const winner = score[opponent] >= config.scoreLimit ? opponent : null;
    next = { score, serving: opponent, turn: opponent, phase: 'service', attempt: 1, turns: n, winner };
  }
  return { ok: true, ruling: { n, player, draw, event, outcome, pointTo, next } };
}

/**
 * One player's umpire: holds the state of the match and rules each turn with {@link rule}.
 * Both players run one and must agree on every ruling.
 *
 * @example
 * ```ts
 * const umpire = new Umpire(config);
 * const result = umpire.call('client', 0.5); // { ok: true, ruling: { event: 'service', outcome: 'flip', ... } }
 * ```
 */
export class Umpire {
  private current: UmpireState;

  /**
   * @param config - the validated match config.
   * @param firstServer - who serves first.
   */
  constructor(
    readonly config: MatchConfig,
    firstServer: Player = 'client',
  ) {
    this.current = initialUmpireState(firstServer);
  }

  /** The state now. */
  get state(): UmpireState {
    return this.current;
  }

  /** `true` once a player reached the score limit. */
  get over(): boolean {
    return this.current.winner !== null;
  }

  /** Rule a turn without applying it. */
  judge(player: Player, draw: number): RuleResult {
    return rule(this.config, this.current, player, draw);
  }

  /** Apply a ruling produced by {@link Umpire.judge} on the current state. */
  commit(ruling: Ruling): void {
    if (ruling.n !== this.current.turns + 1) throw new RangeError(`ruling ${ruling.n} does not follow turn ${this.current.turns}`);
    this.current = ruling.next;
  }

  /** Rule a turn and apply it when allowed. */
  call(player: Player, draw: number): RuleResult {
    const result = this.judge(player, draw);
    if (result.ok) this.commit(result.ruling);
    return result;
  }
}
