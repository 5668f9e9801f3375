export { RaceProtocol } from './protocol';
export { umpire } from './umpire';
export type { GameResult, UmpireOptions } from './umpire';
export { bestMove, player } from './player';
