#!/usr/bin/env node
import { formatResult, formatSummary } from './format-result';
import { DEFAULT_MATCH_CONFIG } from './logic/match-config';
import type { MatchResult } from './match-result';
import { playMatches } from './play-matches';
import { startServer } from './server';
import { USAGE, parseCliArgs } from './cli-args';

/** Serve until SIGINT or SIGTERM, printing each match as it ends and the message rates at the end. */
async function serve(listen: string | undefined, web: string | undefined): Promise<void> {
  const server = await startServer({ ...(listen === undefined ? {} : { listen }), ...(web === undefined ? {} : { web }) });
  const started = performance.now();
  let matches = 0;
  let messagesIn = 0;
  let messagesOut = 0;
  server.results$.subscribe((result: MatchResult) => {
    matches++;
    messagesIn += result.messagesIn;
    messagesOut += result.messagesOut;
    console.log(formatResult(result));
  });
  console.log(`ping-pong server listening on ${server.addresses().join(', ')} (Ctrl-C to stop)`);
  if (server.webUrl !== undefined) console.log(`web page: ${server.webUrl} (open it in a browser)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.close();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `server stopped after ${seconds.toFixed(1)} s: ${matches} matches; messages/s: ${Math.round(messagesIn / seconds)} in, ${Math.round(messagesOut / seconds)} out`,
  );
}

/** Play the matches, print each and the summary; exit 1 unless every match finished. */
async function play(connect: string, matches: number, concurrency: number, seed: number | undefined, scoreLimit: number | undefined): Promise<void> {
  const config = scoreLimit === undefined ? DEFAULT_MATCH_CONFIG : { ...DEFAULT_MATCH_CONFIG, scoreLimit };
  const summary = await playMatches({
    connect,
    matches,
    concurrency,
    config,
    retry: true,
    ...(seed === undefined ? {} : { seed }),
    onResult: (result) => console.log(formatResult(result)),
  });
  console.log(formatSummary(summary));
  if (summary.results.some((r) => r.outcome !== 'finished')) process.exitCode = 1;
}

async function main(argv: readonly string[]): Promise<void> {
  const parsed = parseCliArgs(argv);
  if (!parsed.ok) {
    console.error(`error: ${parsed.error}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const command = parsed.value;
  switch (command.command) {
    case 'help':
      console.log(USAGE);
      return;
    case 'server':
      return serve(command.listen, command.web);
    case 'client':
      return play(command.connect, command.matches, command.concurrency, command.seed, command.scoreLimit);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? `error: ${error.message}` : error);
  process.exitCode = 1;
});
