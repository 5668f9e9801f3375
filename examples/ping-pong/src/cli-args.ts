import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseAddress } from '@rxmsg/node';
import { MAX_SEED } from './logic/random';
import { parseWebAddress } from './web-server';

/** What the command line asks for. */
export type CliCommand =
  | {
      readonly command: 'server';
      /** The TCP/Unix/SOE address to listen on; absent when only `web` is given. */
      readonly listen?: string;
      /** `http://host:port` to serve the web page on (and its WebSocket endpoint at `/play`). */
      readonly web?: string;
    }
  | {
      readonly command: 'client';
      readonly connect: string;
      readonly matches: number;
      readonly concurrency: number;
      readonly seed: number | undefined;
      readonly scoreLimit: number | undefined;
    }
  | { readonly command: 'help' };

/** The outcome of {@link parseCliArgs}: a command, or a message to print with the usage. */
export type CliArgsResult = { readonly ok: true; readonly value: CliCommand } | { readonly ok: false; readonly error: string };

/** The usage text printed by `--help` and on errors. */
export const USAGE = `usage:
  ping-pong server --listen <addr> [--web http://host:port]
  ping-pong server --web http://host:port
  ping-pong client --connect <addr> [--matches N] [--concurrency C] [--seed S] [--score-limit L]

  <addr>            tcp://host:port, unix:/path or soe://host:port (reliable UDP)
  --web URL         also serve the web page on http://host:port (port 0: any free port) and
                    accept its WebSocket connections at /play on the same port
  --matches N       matches to play (default 1)
  --concurrency C   matches played at once (default 1)
  --seed S          seed of the first match (0..${MAX_SEED}); match i uses S + i; random when absent
  --score-limit L   points that win a match (default 11)`;

const count = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be an integer`)
    .min(1, `${name} must be at least 1`)
    .max(1_000_000, `${name} is too large`);

const ClientArgsSchema = z.object({
  matches: count('--matches').default(1),
  concurrency: count('--concurrency').default(1),
  seed: z.coerce.number({ error: '--seed must be a number' }).int('--seed must be an integer').min(0, '--seed must be >= 0').max(MAX_SEED, `--seed must be <= ${MAX_SEED}`).optional(),
  scoreLimit: z.coerce.number({ error: '--score-limit must be a number' }).int('--score-limit must be an integer').min(1, '--score-limit must be at least 1').max(1000, '--score-limit must be <= 1000').optional(),
});

function address(flag: string, value: string | undefined): CliArgsResult | string {
  if (value === undefined) return { ok: false, error: `${flag} <addr> is required` };
  try {
    parseAddress(value);
    return value;
  } catch (error) {
    return { ok: false, error: `${flag}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * Parse and validate the command line (without `node` and the script).
 *
 * @param argv - e.g. `['client', '--connect', 'tcp://127.0.0.1:4000', '--matches', '4']`.
 * @returns the command, or the error to print above {@link USAGE}.
 */
export function parseCliArgs(argv: readonly string[]): CliArgsResult {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        listen: { type: 'string' },
        web: { type: 'string' },
        connect: { type: 'string' },
        matches: { type: 'string' },
        concurrency: { type: 'string' },
        seed: { type: 'string' },
        'score-limit': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { ok: true, value: { command: 'help' } };
  if (positionals.length !== 1) return { ok: false, error: positionals.length === 0 ? 'missing command: server or client' : `unexpected argument "${positionals[1]}"` };
  const command = positionals[0];
  if (command === 'server') {
    const extra = (['connect', 'matches', 'concurrency', 'seed', 'score-limit'] as const).find((k) => values[k] !== undefined);
    if (extra !== undefined) return { ok: false, error: `--${extra} is a client option` };
    const web = values.web;
    if (web !== undefined) {
      try {
        parseWebAddress(web);
      } catch (error) {
        return { ok: false, error: `--web: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
    if (web !== undefined && values.listen === undefined) return { ok: true, value: { command: 'server', web } };
    const listen = address('--listen', values.listen);
    if (typeof listen !== 'string') return listen;
    return { ok: true, value: web === undefined ? { command: 'server', listen } : { command: 'server', listen, web } };
  }
  if (command === 'client') {
    const serverOnly = (['listen', 'web'] as const).find((k) => values[k] !== undefined);
    if (serverOnly !== undefined) return { ok: false, error: `--${serverOnly} is a server option` };
    const connect = address('--connect', values.connect);
    if (typeof connect !== 'string') return connect;
    const numbers = ClientArgsSchema.safeParse({
      matches: values.matches,
      concurrency: values.concurrency,
      seed: values.seed,
      scoreLimit: values['score-limit'],
    });
    if (!numbers.success) return { ok: false, error: numbers.error.issues.map((i) => i.message).join('; ') };
    const { matches, concurrency, seed, scoreLimit } = numbers.data;
    return { ok: true, value: { command: 'client', connect, matches, concurrency, seed, scoreLimit } };
  }
  return { ok: false, error: `unknown command "${command}": expected server or client` };
}
