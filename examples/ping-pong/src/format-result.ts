import type { MatchResult } from './match-result';
import type { MatchesSummary } from './play-matches';

/**
 * One line describing a match, as the CLI and `npm start` print it.
 * @example
 * ```ts
 * formatResult(result);
 * // 'match 1 seed 1: finished, client 11 - server 7, client wins, 84 turns, 42 in / 43 out in 9 ms'
 * ```
 */
export function formatResult(result: MatchResult): string {
  const head = `match ${result.match ?? '-'}${result.seed === null ? '' : ` seed ${result.seed}`}: ${result.outcome}`;
  const score = `client ${result.score.client} - server ${result.score.server}`;
  const traffic = `${result.messagesIn} in / ${result.messagesOut} out in ${Math.round(result.durationMs)} ms`;
  if (result.outcome === 'finished') {
    const endorsed = result.endorsed === false ? ', score NOT endorsed' : '';
    return `${head}, ${score}, ${result.winner ?? 'nobody'} wins, ${result.turns} turns${endorsed}, ${traffic}`;
  }
  const by = result.cancelledBy === null ? '' : ` by ${result.cancelledBy}`;
  return `${head}${by} (${result.reason ?? 'no reason'}), ${score} after ${result.turns} turns, ${traffic}`;
}

/** The summary lines of a run of matches: outcomes and messages per second, in and out. */
export function formatSummary(summary: MatchesSummary): string {
  const counts = new Map<string, number>();
  for (const r of summary.results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  const outcomes = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
  const rate = (n: number) => Math.round(n).toLocaleString('en-US');
  return [
    `${summary.results.length} matches in ${(summary.elapsedMs / 1000).toFixed(3)} s: ${outcomes || 'none'}`,
    `messages: ${summary.messagesIn} in, ${summary.messagesOut} out; messages/s: ${rate(summary.inPerSecond)} in, ${rate(summary.outPerSecond)} out`,
  ].join('\n');
}
