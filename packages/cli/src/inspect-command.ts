import { AdminClient } from './admin-client';
import type { AdminSnapshot } from './admin-protocol';
import { cliTransports, type TlsFlags } from './cli-transports';
import type { CommandIo } from './connect-command';
import { ExitCode, type ExitCodeValue } from './exit-codes';
import { renderTop } from './top-view';
import { terminalStyle } from './terminal-style';

/** Options of `rxmsg inspect`. */
export interface InspectOptions extends TlsFlags {
  /** The admin token (`--token`, or `RXMSG_ADMIN_TOKEN`). */
  readonly token: string;
  /** Print one snapshot as JSON and exit. */
  readonly once: boolean;
  /** Refresh period of the live view, ms. */
  readonly interval: number;
  /** Connect and reply timeout, ms. */
  readonly timeout: number;
  /** Stop the live view after this many refreshes (0: until interrupted). */
  readonly count: number;
}

/**
 * `rxmsg inspect <address>`: ask an admin endpoint (see {@link adminEndpoint}) for the server's
 * snapshot. `--once` prints it as JSON; otherwise it refreshes every `interval` ms like `top`
 * (clearing the screen on a terminal, one block per refresh otherwise) until SIGINT or `q`.
 */
export async function runInspect(address: string, options: InspectOptions, io: CommandIo): Promise<ExitCodeValue> {
  const style = terminalStyle(io.stdout);
  const err = (line: string) => io.stderr.write(`${line}\n`);
  let client: AdminClient;
  try {
    client = await AdminClient.connect(cliTransports(options), address, options.timeout);
  } catch (error) {
    err(`rxmsg: cannot connect to ${address}: ${error instanceof Error ? error.message : String(error)}`);
    return ExitCode.connectFailed;
  }
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  const onKey = (key: Buffer) => {
    if (key.includes(0x71) || key.includes(0x03)) stop(); // q or Ctrl-C in raw mode
  };
  const live = !options.once;
  const raw = live && io.stdin.isTTY === true && typeof (io.stdin as { setRawMode?: unknown }).setRawMode === 'function';
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (raw) {
    (io.stdin as NodeJS.ReadStream).setRawMode(true);
    io.stdin.on('data', onKey);
  }
  try {
    let previous: AdminSnapshot | undefined;
    for (let n = 0; !stopped && (options.count === 0 || n < options.count); n++) {
      let reply;
      try {
        reply = await client.request(options.token, options.timeout);
      } catch (error) {
        err(`rxmsg: ${error instanceof Error ? error.message : String(error)}`);
        return ExitCode.connectFailed;
      }
      if (reply.kind === 'Denied') {
        err(`rxmsg: the admin endpoint refused the request (${reply.reason})`);
        return ExitCode.denied;
      }
      if (reply.kind === 'Failed') {
        err(`rxmsg: the server could not take a snapshot: ${reply.message}`);
        if (options.once) return ExitCode.usage;
      } else if (options.once) {
        io.stdout.write(`${JSON.stringify(reply.snapshot, null, 2)}\n`);
        return ExitCode.ok;
      } else {
        const rows = Math.max(5, ((io.stdout as { rows?: number }).rows ?? 40) - 12);
        const screen = renderTop(reply.snapshot, previous, style, rows);
        io.stdout.write(style.tty ? `\x1b[H\x1b[2J${screen}\n${style.dim('q to quit')}\n` : `${screen}\n\n`);
        previous = reply.snapshot;
      }
      if (options.count !== 0 && n + 1 >= options.count) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.interval);
        wake = () => (clearTimeout(timer), resolve());
      });
      wake = undefined;
    }
    return ExitCode.ok;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (raw) {
      io.stdin.off('data', onKey);
      (io.stdin as NodeJS.ReadStream).setRawMode(false);
      io.stdin.pause();
    }
    client.close();
  }
}
