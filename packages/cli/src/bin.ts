#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { ExitCode } from './exit-codes';
// Each command loads its modules (and the transports) when it runs: `--help` and usage errors stay fast.
// A plain CommonJS require, typed at each call by `typeof import(…)`.
const load = (id: string): unknown => require(id);

const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}
const collect = (value: string, previous: string[]) => [...previous, value];
const codecOption = () => new Option('--codec <codec>', 'wire codec (default: the protocol\'s, else text)').choices(['text', 'binary']);
const tlsOptions = (c: Command) =>
  c
    .option('--ca <file>', 'PEM file of a CA to trust (tls://, wss://)')
    .option('--insecure', 'do not verify the server certificate (tls://, wss://)');

/** The version in @rxmsg/cli's package.json (dist/bin.js sits one folder below it; read, not imported: sources stay inside src). */
function cliVersion(): string {
  const { readFileSync } = load('node:fs') as typeof import('node:fs');
  return (JSON.parse(readFileSync(`${__dirname}/../package.json`, 'utf8')) as { version: string }).version;
}

/** Run a command and exit with its code (after stdout drains). */
function exit(run: Promise<number>): void {
  run.then(
    (code) => {
      process.exitCode = code;
      // Sockets and stdin are closed by the command; exit explicitly in case a peer keeps one half-open.
      process.stdout.write('', () => process.exit(code));
    },
    (error: unknown) => {
      process.stderr.write(`rxmsg: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(ExitCode.usage);
    },
  );
}

const program = new Command('rxmsg')
  .description('Talk to, listen as and inspect rxmsg servers; describe protocols as AsyncAPI. Exit codes: 0 ok, 1 usage, 2 connect failed, 3 validation failed, 4 expectation not met, 5 denied.')
  .version(cliVersion(), '-V, --version', 'print the version of @rxmsg/cli')
  .showHelpAfterError()
  .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : ExitCode.usage));

tlsOptions(
  program
    .command('connect <address>')
    .description('send JSON messages to a server and print its replies (tcp://, unix:, tls://, ws://, wss://, soe://)')
    .addOption(codecOption())
    .option('--protocol <module[#Export]>', 'validate both directions with a defineProtocol export of this module')
    .option('--send <json>', 'send this message (repeatable; script mode)', collect, [])
    .option('--expect <json>', 'wait for a message matching this partially (repeatable, in order; script mode)', collect, [])
    .option('--timeout <ms>', 'connect timeout and time given to the expectations', integer, 5000)
    .option('--max-frame-bytes <n>', 'largest frame read', integer, 16 * 1024 * 1024),
).action((address: string, o: { codec?: 'text' | 'binary'; protocol?: string; send: string[]; expect: string[]; timeout: number; maxFrameBytes: number; ca?: string; insecure?: boolean }) =>
  exit(Promise.resolve().then(() => (load('./connect-command') as typeof import('./connect-command')).runConnect(address, o, io))),
);

tlsOptions(
  program
    .command('listen <address>')
    .description('accept connections and print each message received as a JSON line')
    .addOption(codecOption().default('text'))
    .option('--echo', 'send each message back to its sender', false)
    .option('--cert <file>', 'PEM certificate (tls://, wss://)')
    .option('--key <file>', 'PEM private key (tls://, wss://)')
    .option('--max-connections <n>', 'connections at once', integer, 100)
    .option('--max-frame-bytes <n>', 'largest frame read', integer, 1024 * 1024),
).action((address: string, o: { codec: 'text' | 'binary'; echo: boolean; maxConnections: number; maxFrameBytes: number; cert?: string; key?: string; ca?: string; insecure?: boolean }) =>
  exit(Promise.resolve().then(() => (load('./listen-command') as typeof import('./listen-command')).runListen(address, o, io))),
);

tlsOptions(
  program
    .command('inspect <address>')
    .description('show the live snapshot of a server through its admin endpoint (adminEndpoint in @rxmsg/cli)')
    .option('--token <token>', 'admin token (default: $RXMSG_ADMIN_TOKEN)')
    .option('--once', 'print one snapshot as JSON and exit', false)
    .option('--interval <ms>', 'refresh period', integer, 1000)
    .option('--count <n>', 'stop after n refreshes (0: until q or Ctrl-C)', integer, 0)
    .option('--timeout <ms>', 'connect and reply timeout', integer, 5000),
).action((address: string, o: { token?: string; once: boolean; interval: number; count: number; timeout: number; ca?: string; insecure?: boolean }) => {
  const token = o.token ?? process.env['RXMSG_ADMIN_TOKEN'];
  if (token === undefined) {
    process.stderr.write('rxmsg: inspect needs --token or RXMSG_ADMIN_TOKEN\n');
    process.exit(ExitCode.usage);
  }
  exit(Promise.resolve().then(() => (load('./inspect-command') as typeof import('./inspect-command')).runInspect(address, { ...o, token }, io)));
});

program
  .command('describe <module>')
  .description('print the AsyncAPI 3.0.0 document of the protocol or stack a module exports (compiled .js; .ts with ts-node installed)')
  .option('--export <name>', 'the export to describe (default: the default export, else the only protocol or stack)')
  .addOption(new Option('--format <format>', 'output format').choices(['json']).default('json'))
  .option('--server <address>', 'list this address as a server (repeatable)', collect, [])
  .option('--title <title>', 'info.title (default: the protocol\'s or stack\'s name)')
  .option('--app-version <version>', 'info.version (default: 1.0.0)')
  .option('--max-frame-bytes <n>', 'document this frame limit', integer)
  .action((file: string, o: { export?: string; format: 'json'; server: string[]; title?: string; appVersion?: string; maxFrameBytes?: number }) =>
    exit(Promise.resolve().then(() => (load('./describe-command') as typeof import('./describe-command')).runDescribe(file, o, io))),
  );

program.parse();
