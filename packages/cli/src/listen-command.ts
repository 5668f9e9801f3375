import { binaryCodec, textCodec, type Connection, type Listener } from '@rxmsg/core';
import { parseAddress } from '@rxmsg/core';
import { cliTransports, transportFor, type TlsFlags } from './cli-transports';
import type { CommandIo } from './connect-command';
import { ExitCode, type ExitCodeValue } from './exit-codes';
import { jsonLine } from './json-line';
import { terminalStyle } from './terminal-style';
import { WireLink } from './wire-link';

/** Options of `rxmsg listen`. */
export interface ListenOptions extends TlsFlags {
  readonly codec: 'text' | 'binary';
  /** Send every message back to its sender. */
  readonly echo: boolean;
  readonly maxFrameBytes: number;
  /** Connections accepted at once; more are closed at once. */
  readonly maxConnections: number;
}

/** A running `rxmsg listen`. */
export interface RunningListen {
  readonly address: string;
  /** Stop listening and close every connection. */
  close(): Promise<void>;
}

/**
 * `rxmsg listen <address>`: accept connections and print each message received as one JSON line
 * `{"from":<connection>,"message":…}` (connections and errors go to stderr); with `--echo`, send
 * each message back. A sender that does not read our echoes is paused (its socket is not read)
 * until they drain, so nothing here grows without bound.
 */
export async function startListen(address: string, options: ListenOptions, io: CommandIo): Promise<RunningListen> {
  const style = terminalStyle(io.stdout);
  const err = (line: string) => io.stderr.write(`${line}\n`);
  const codec = options.codec === 'binary' ? binaryCodec : textCodec;
  const open = new Set<Connection>();
  let next = 1;
  const accept = (connection: Connection) => {
    if (open.size >= options.maxConnections) {
      err(style.red(`! refused ${connection.remoteAddress}: ${options.maxConnections} connections open`));
      connection.destroy();
      return;
    }
    const id = next++;
    open.add(connection);
    err(style.dim(`+ ${id} ${connection.remoteAddress}`));
    const link = new WireLink(connection, codec, options.maxFrameBytes);
    link.events$.subscribe({
      next: (event) => {
        if (event.type === 'drain') return connection.resume();
        if (event.type === 'malformed') return void err(style.red(`! ${id} ${event.error.code} ${event.error.message}`));
        io.stdout.write(`${jsonLine({ from: id, message: event.value })}\n`);
        if (options.echo && !link.send(event.value)) connection.pause();
      },
      error: (error: unknown) => {
        open.delete(connection);
        err(style.red(`- ${id} ${error instanceof Error ? error.message : String(error)}`));
      },
      complete: () => {
        open.delete(connection);
        err(style.dim(`- ${id}`));
      },
    });
  };
  const listener: Listener = await transportFor(cliTransports(options), address).listen(parseAddress(address), accept, {
    noDelay: true,
    onError: (error) => err(style.red(`! listener: ${error.code} ${error.message}`)),
  });
  return {
    address: listener.address,
    close: async () => {
      await listener.close();
      for (const c of open) c.destroy();
      open.clear();
    },
  };
}

/** `startListen`, printing the bound address, until SIGINT/SIGTERM. */
export async function runListen(address: string, options: ListenOptions, io: CommandIo): Promise<ExitCodeValue> {
  let running: RunningListen;
  try {
    running = await startListen(address, options, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // A transport's TransportError already says "cannot listen on <address>: …": do not repeat it.
    io.stderr.write(`rxmsg: ${message.startsWith('cannot listen on ') ? message : `cannot listen on ${address}: ${message}`}\n`);
    return ExitCode.connectFailed;
  }
  io.stderr.write(`listening on ${running.address}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await running.close();
  return ExitCode.ok;
}
