import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Subscription } from 'rxjs';
import { binaryCodec, parseAddress, textCodec, RxmsgError, type AnyProtocol, type Codec } from '@rxmsg/core';
import { cliTransports, dial, type TlsFlags } from './cli-transports';
import { ExitCode, type ExitCodeValue } from './exit-codes';
import { jsonLine, parseJson } from './json-line';
import { jsonMatches } from './json-match';
import { ProtocolModuleError, loadProtocol } from './protocol-loader';
import { terminalStyle } from './terminal-style';
import { WireLink } from './wire-link';

/** Options of `rxmsg connect`. */
export interface ConnectOptions extends TlsFlags {
  readonly codec?: 'text' | 'binary';
  /** `path/to/module[#Export]` of a protocol to validate both directions with. */
  readonly protocol?: string;
  /** Messages to send, as JSON texts (script mode). */
  readonly send: readonly string[];
  /** Partial matches to wait for, in order (script mode). */
  readonly expect: readonly string[];
  /** Connect timeout, and the time the expectations get; ms. */
  readonly timeout: number;
  /** Largest frame read. */
  readonly maxFrameBytes: number;
}

/** The streams a command talks through (the process's, or a test's). */
export interface CommandIo {
  readonly stdin: Readable & { readonly isTTY?: boolean };
  readonly stdout: Writable & { readonly isTTY?: boolean };
  readonly stderr: Writable;
}

/** `codec` by name, else the protocol's, else `text`. */
function pickCodec(name: 'text' | 'binary' | undefined, protocol: AnyProtocol | undefined): Codec {
  if (name === 'binary') return binaryCodec;
  if (name === 'text') return textCodec;
  return protocol?.codec ?? textCodec;
}

/** A validation failure as one line. */
function describe(error: RxmsgError): string {
  const issues = (error as { issues?: readonly { path: readonly PropertyKey[]; message: string }[] }).issues; // InvalidMessageError carries them
  const detail = issues === undefined ? '' : `: ${issues.map((i) => `${i.path.map(String).join('.') || '(root)'} ${i.message}`).join('; ')}`;
  return `${error.code} ${error.message}${detail}`;
}

/**
 * `rxmsg connect <address>`: send JSON messages to a server and print what it answers. With
 * `--send`/`--expect` it runs a script and exits with an {@link ExitCode}; otherwise it reads one JSON
 * message per line from stdin (with history on a terminal) until stdin ends or `.quit`.
 */
export async function runConnect(address: string, options: ConnectOptions, io: CommandIo): Promise<ExitCodeValue> {
  const out = terminalStyle(io.stdout);
  const err = (line: string) => io.stderr.write(`${line}\n`);
  try {
    parseAddress(address); // a malformed address is a usage error (exit 1), not a failed connection
  } catch (error) {
    err(`rxmsg: ${error instanceof Error ? error.message : String(error)}`);
    return ExitCode.usage;
  }
  let protocol: AnyProtocol | undefined;
  if (options.protocol !== undefined) {
    try {
      protocol = await loadProtocol(options.protocol);
    } catch (error) {
      if (!(error instanceof ProtocolModuleError)) throw error;
      err(`rxmsg: ${error.message}`);
      return ExitCode.usage;
    }
  }
  const codec = pickCodec(options.codec, protocol);
  const parsed = (texts: readonly string[], what: string): unknown[] | undefined => {
    const values: unknown[] = [];
    for (const text of texts) {
      const r = parseJson(text);
      if (!r.ok) {
        err(`rxmsg: ${what} ${text} is not JSON: ${r.error}`);
        return undefined;
      }
      values.push(r.value);
    }
    return values;
  };
  const sends = parsed(options.send, '--send');
  const expects = parsed(options.expect, '--expect');
  if (sends === undefined || expects === undefined) return ExitCode.usage;
  const outbound = (value: unknown): RxmsgError | undefined => {
    if (protocol === undefined) return undefined;
    const r = protocol.client.parse(value);
    return r instanceof RxmsgError ? r : undefined;
  };
  for (const value of sends) {
    const invalid = outbound(value);
    if (invalid !== undefined) {
      err(`rxmsg: --send ${jsonLine(value)} is invalid: ${describe(invalid)}`);
      return ExitCode.validationFailed;
    }
  }

  let link: WireLink;
  try {
    link = new WireLink(await dial(cliTransports(options), address, options.timeout), codec, options.maxFrameBytes);
  } catch (error) {
    err(`rxmsg: cannot connect to ${address}: ${error instanceof Error ? error.message : String(error)}`);
    return ExitCode.connectFailed;
  }
  const script = sends.length > 0 || expects.length > 0;
  if (out.tty && !script) err(out.dim(`connected to ${address} (${codec.name}${protocol === undefined ? '' : `, protocol ${protocol.name}`}); one JSON message per line, .quit to leave`));

  return new Promise<ExitCodeValue>((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let rl: ReturnType<typeof createInterface> | undefined;
    const finish = (code: ExitCodeValue) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      rl?.close();
      subscription?.unsubscribe(); // destroys the connection if still open
      resolve(code);
    };
    let pending = 0; // index of the next expectation
    let subscription: Subscription | undefined;
    subscription = link.events$.subscribe({
      next: (event) => {
        if (event.type === 'drain') return;
        if (event.type === 'malformed') {
          err(out.red(`! ${describe(event.error)}`));
          if (script) finish(ExitCode.validationFailed);
          return;
        }
        io.stdout.write(`${out.tty ? out.cyan('< ') : ''}${jsonLine(event.value)}\n`);
        if (protocol !== undefined) {
          const r = protocol.server.parse(event.value);
          if (r instanceof RxmsgError) {
            err(out.red(`! invalid reply: ${describe(r)}`));
            if (script) return finish(ExitCode.validationFailed);
          }
        }
        if (pending < expects.length && jsonMatches(event.value, expects[pending])) {
          pending += 1;
          if (pending === expects.length) finish(ExitCode.ok);
        }
      },
      error: (error: unknown) => {
        err(out.red(`! connection failed: ${error instanceof Error ? error.message : String(error)}`));
        finish(script && pending < expects.length ? ExitCode.expectationFailed : script ? ExitCode.ok : ExitCode.connectFailed);
      },
      complete: () => {
        if (pending < expects.length) err(out.red(`! closed before ${jsonLine(expects[pending])} arrived`));
        if (out.tty && !script) err(out.dim('connection closed'));
        finish(pending < expects.length ? ExitCode.expectationFailed : ExitCode.ok);
      },
    });
    if (settled) {
      subscription.unsubscribe();
      return;
    }

    if (script) {
      for (const value of sends) link.send(value);
      if (expects.length === 0) {
        // Nothing to wait for: finish sending; the server's close (or the timeout) ends the run.
        link.end();
        timer = setTimeout(() => finish(ExitCode.ok), options.timeout);
        return;
      }
      timer = setTimeout(() => {
        err(out.red(`! timed out after ${options.timeout} ms waiting for ${jsonLine(expects[pending])}`));
        finish(ExitCode.expectationFailed);
      }, options.timeout);
      return;
    }

    rl = createInterface({ input: io.stdin, output: io.stdout, terminal: io.stdin.isTTY === true && io.stdout.isTTY === true, historySize: 1000, prompt: '> ' });
    const prompt = () => {
      if (rl?.terminal === true) rl.prompt();
    };
    rl.on('line', (line) => {
      const text = line.trim();
      if (text === '') return prompt();
      if (text === '.quit' || text === '.exit') return rl?.close();
      const r = parseJson(text);
      if (!r.ok) {
        err(out.red(`! not JSON: ${r.error}`));
        return prompt();
      }
      const invalid = outbound(r.value);
      if (invalid !== undefined) err(out.red(`! not sent: ${describe(invalid)}`));
      else link.send(r.value);
      prompt();
    });
    rl.on('close', () => {
      // End of input: finish sending and give the server `timeout` ms to answer and close.
      rl = undefined;
      link.end();
      timer ??= setTimeout(() => finish(ExitCode.ok), options.timeout);
    });
    prompt();
  });
}
