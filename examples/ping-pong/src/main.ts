import { formatResult, formatSummary } from './format-result';
import type { MatchResult } from './match-result';
import { playMatches } from './play-matches';
import { startServer } from './server';

const MATCHES = 4;
const CONCURRENCY = 2;
const SEED = 1;

/**
 * What `npm start` runs: a server and {@link MATCHES} client matches ({@link CONCURRENCY} at a
 * time, seeds from {@link SEED}) on loopback; prints every match from both sides and the
 * message rates; exits 1 if a match did not finish with an endorsed score.
 */
async function main(): Promise<void> {
  const server = await startServer({ listen: 'tcp://127.0.0.1:0' });
  const serverResults: MatchResult[] = [];
  server.results$.subscribe((result) => {
    serverResults.push(result);
    console.log(`server  ${formatResult(result)}`);
  });
  const address = server.addresses()[0]!;
  console.log(`ping-pong server listening on ${address}; ${MATCHES} matches, ${CONCURRENCY} at a time, seeds ${SEED}..${SEED + MATCHES - 1}`);
  const summary = await playMatches({
    connect: address,
    matches: MATCHES,
    concurrency: CONCURRENCY,
    seed: SEED,
    onResult: (result) => console.log(`client  ${formatResult(result)}`),
  });
  await server.close();
  console.log(formatSummary(summary));
  const bad = [...summary.results, ...serverResults].filter((r) => r.outcome !== 'finished' || r.endorsed !== true);
  if (bad.length > 0 || serverResults.length !== MATCHES) {
    console.error(`${bad.length} match(es) did not finish cleanly; the server reported ${serverResults.length} of ${MATCHES}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
