import type { Router } from '@rxmsg/runtime';
import type { MatchState } from './match-state';

/** The names of the three stages of a connection, in order. */
export type StageName = 'pregame' | 'game' | 'goodbye';

/**
 * The stage router of both sides: pre-game, then the game if a config was accepted,
 * then goodbye if the game finished; otherwise the connection ends.
 */
export const matchRouter: Router<MatchState, StageName> = (state, _peer, previous) => {
  switch (previous) {
    case null:
      return 'pregame';
    case 'pregame':
      return state.game !== undefined && state.outcome === undefined ? 'game' : null;
    case 'game':
      return state.outcome === 'finished' ? 'goodbye' : null;
    case 'goodbye':
      return null;
  }
};
