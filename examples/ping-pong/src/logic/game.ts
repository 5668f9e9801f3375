import type { MatchConfig } from './match-config';
import { opponentOf, type Player } from './player';
import { createRandom, playerSeed, randomSeed, type Random } from './random';
import { referee, type TurnReport, type Verdict } from './referee';
import { Umpire, type Ruling, type Score } from './umpire';

/**
 * One player's side of a match, the same for client and server: its own umpire, its own
 * generator, the turns it plays and the opponent's turns it checks. The network code only
 * carries {@link TurnReport}s between two of these.
 *
 * @example
 * ```ts
 * const client = Game.create('client', config);
 * const server = Game.create('server', config);
 * for (const report of client.play()) server.check(report);
 * ```
 */
export class Game {
  /** The umpire this player runs. */
  readonly umpire: Umpire;
  private readonly rulings: Ruling[] = [];

  /**
   * @param side - the player this side plays.
   * @param config - the validated match config.
   * @param random - where this player's draws come from.
   */
  constructor(
    readonly side: Player,
    readonly config: MatchConfig,
    private readonly random: Random,
  ) {
    this.umpire = new Umpire(config, 'client');
  }

  /**
   * A game whose generator is seeded from the config's seed (see {@link playerSeed}),
   * or unpredictably when the config has none.
   */
  static create(side: Player, config: MatchConfig): Game {
    const seed = config.seed === undefined ? randomSeed() : playerSeed(config.seed, side);
    return new Game(side, config, createRandom(seed));
  }

  /** The player on the other end. */
  get opponent(): Player {
    return opponentOf(this.side);
  }

  /** `true` once a player reached the score limit. */
  get over(): boolean {
    return this.umpire.over;
  }

  /** The score now. */
  get score(): Score {
    return this.umpire.state.score;
  }

  /** The winner, once the match is over. */
  get winner(): Player | null {
    return this.umpire.state.winner;
  }

  /** Every turn ruled so far, both players', in order. */
  get history(): readonly Ruling[] {
    return this.rulings;
  }

  /** `true` when this player is to play now. */
  get ourTurn(): boolean {
    return !this.umpire.over && this.umpire.state.turn === this.side;
  }

  /**
   * Play every turn that is ours now (a soft fault or a won point can give us several in a row):
   * draw, rule, and report each.
   * @returns the reports to send, possibly none.
   */
  play(): TurnReport[] {
    const reports: TurnReport[] = [];
    while (this.ourTurn) {
      const result = this.umpire.call(this.side, this.random());
      // Our own turn on our own umpire: the player is right and the draw is in range by construction.
      if (!result.ok) throw new Error(`own turn refused: ${result.reason}`);
      const { ruling } = result;
      this.rulings.push(ruling);
      reports.push({ n: ruling.n, player: ruling.player, draw: ruling.draw, event: ruling.event });
    }
    return reports;
  }

  /**
   * Check and apply the opponent's reported turn with {@link referee}.
   * @returns the verdict; when not `ok`, the game must be cancelled with its reason.
   */
  check(report: TurnReport): Verdict {
    const verdict = referee(this.umpire, report, this.opponent);
    if (verdict.ok) this.rulings.push(verdict.ruling);
    return verdict;
  }
}
