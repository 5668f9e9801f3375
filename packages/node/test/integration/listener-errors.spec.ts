import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import {
  AcceptError,
  CallbackError,
  TlsHandshakeError,
  UpgradeError,
  createServer,
  tcpTransport,
  tlsTransport,
  wsTransport,
  type ServerEvent,
  type Transport,
} from '@rxmsg/node';
import { eventually, testCertificate, within } from '@rxmsg/test-utils';
import { RawSocket } from '@rxmsg/testing';
import { TextEcho, echo, ofType, record } from './echo-protocol';
import { WsPeer } from './ws-peer';

// Failures a listener survives, and application callbacks the server calls outside a session:
// each is reported on `events$` with a stable code, counted in `snapshot()`, and the server goes on.

const ROOT = join(__dirname, '..', '..', '..', '..');
const PING = '{"kind":"Ping","n":1}\n';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function echoServer(listen: string, transports: readonly Transport[], initialState?: () => unknown) {
  const server = await createServer({
    listen,
    transports,
    protocol: TextEcho,
    processor: echo,
    ...(initialState === undefined ? {} : { initialState }),
    config: { flushTimeoutMs: 1000 },
  });
  cleanup.push(() => server.close());
  return { server, address: server.addresses()[0]!, log: record(server.events$) };
}

/** A raw socket to `address` that is closed after the test. */
async function raw(address: string, tls?: { ca: string }): Promise<RawSocket> {
  const s = await RawSocket.connect(address, tls === undefined ? {} : { tls });
  cleanup.push(() => s.destroy());
  return s;
}

/** Send one `Ping` and wait for its `Pong`: the server serves this connection. */
async function served(s: RawSocket): Promise<void> {
  await s.write(PING);
  await s.until((r) => r.lines().some((l) => l.includes('"Pong"')), 10_000);
}

function listenerErrors(events: readonly ServerEvent[]) {
  return ofType([...events], 'listener-error');
}

describe('listener failures and server callbacks', () => {
  describe('initialState that throws', () => {
    it('refuses that one connection with a CallbackError, counts it, and serves the next ones', async () => {
      let calls = 0;
      const boom = new Error('no state for you');
      const { server, address, log } = await echoServer('tcp://127.0.0.1:0', [tcpTransport()], () => {
        if (++calls === 1) throw boom;
        return {};
      });
      const first = await raw(address);
      await eventually(() => ofType(log.events, 'connection-refused').length === 1, 10_000, 'the refusal');
      const [refusal] = ofType(log.events, 'connection-refused');
      expect(refusal!.reason).to.equal('initial-state-failed');
      expect(refusal!.listener).to.equal(address);
      expect(refusal!.error).to.be.instanceOf(CallbackError);
      expect(refusal!.error!.code).to.equal('CALLBACK_FAILED');
      expect(refusal!.error!.callback).to.equal('initialState');
      expect(refusal!.error!.cause).to.equal(boom);
      await within(first.ended, 10_000, 'the refused socket to close');
      expect(ofType(log.events, 'connected')).to.have.length(0);

      await served(await raw(address));
      expect(server.snapshot().refused).to.deep.equal({ 'max-connections': 0, stopping: 0, 'initial-state-failed': 1 });
      expect(server.snapshot().connections).to.have.length(1);
    });
  });

  describe('TLS', () => {
    it('reports a failed handshake as TLS_HANDSHAKE_FAILED, counts it, and keeps serving', async () => {
      const { key, cert } = await testCertificate();
      const { server, address, log } = await echoServer('tls://127.0.0.1:0', [tlsTransport({ server: { key, cert } })]);
      // Not TLS at all: plain text on the TLS port.
      const plain = await raw(address.replace('tls://', 'tcp://'));
      const plainPort = plain.socket.localPort;
      await plain.write('hello, this is not a ClientHello\r\n\r\n');
      await eventually(() => listenerErrors(log.events).length === 1, 10_000, 'the handshake failure');
      const [failure] = listenerErrors(log.events);
      expect(failure!.listener).to.equal(address);
      expect(failure!.error).to.be.instanceOf(TlsHandshakeError);
      expect(failure!.error.code).to.equal('TLS_HANDSHAKE_FAILED');
      expect(failure!.error.remoteAddress).to.equal(`tls://127.0.0.1:${plainPort}`);
      await within(plain.ended, 10_000, 'the failed socket to close');

      // A client that does not trust the certificate: its own side aborts the handshake.
      const untrusting = connectTls({ host: '127.0.0.1', port: Number(new URL(address).port) });
      untrusting.on('error', () => {});
      cleanup.push(() => untrusting.destroy());
      await eventually(() => listenerErrors(log.events).length === 2, 10_000, 'the second handshake failure');

      await served(await raw(address, { ca: cert }));
      expect(server.snapshot().listenerErrors).to.deep.equal({ ACCEPT_FAILED: 0, TLS_HANDSHAKE_FAILED: 2, UPGRADE_FAILED: 0, LISTENER_FAILED: 0 });
    });
  });

  describe('WebSocket', () => {
    /** Write one raw HTTP request to `address` and resolve with the status line of the answer. */
    async function httpStatus(address: string, request: string): Promise<string> {
      const s = await raw(address.replace(/^ws:\/\/([^/]+).*$/, 'tcp://$1'));
      await s.write(request);
      await s.until((r) => r.received().includes('\r\n'), 10_000);
      return r0(s.received().toString('latin1'));
    }
    const r0 = (text: string): string => text.split('\r\n', 1)[0]!;

    it('answers a malformed upgrade or request with 400, reports UPGRADE_FAILED, and keeps serving', async () => {
      const { server, address, log } = await echoServer('ws://127.0.0.1:0/play', [wsTransport()]);
      const badKey = 'GET /play HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n';
      expect(await httpStatus(address, badKey)).to.equal('HTTP/1.1 400 Bad Request');
      await eventually(() => listenerErrors(log.events).length === 1, 10_000, 'the upgrade failure');
      expect(await httpStatus(address, 'NOT HTTP AT ALL\r\n\r\n')).to.equal('HTTP/1.1 400 Bad Request');
      await eventually(() => listenerErrors(log.events).length === 2, 10_000, 'the bad request');
      for (const e of listenerErrors(log.events)) {
        expect(e.listener).to.equal(address);
        expect(e.error).to.be.instanceOf(UpgradeError);
        expect(e.error.code).to.equal('UPGRADE_FAILED');
      }
      expect(server.snapshot().listenerErrors.UPGRADE_FAILED).to.equal(2);

      const p = await WsPeer.connect(address, TextEcho.codec);
      cleanup.push(() => p.destroy());
      await eventually(() => ofType(log.events, 'connected').length === 1, 10_000, 'a good client served');
    });

    it('reports a verifyUpgrade that throws as UPGRADE_FAILED (answered 403), and a refusal not at all', async () => {
      const boom = new Error('check failed');
      const verifyUpgrade = (request: { headers: { origin?: string | undefined } }): boolean => {
        if (request.headers.origin === 'https://throws.example') throw boom;
        return request.headers.origin !== 'https://refused.example';
      };
      const { server, address, log } = await echoServer('ws://127.0.0.1:0/', [wsTransport({ verifyUpgrade })]);
      const upgrade = (origin: string): string =>
        `GET / HTTP/1.1\r\nHost: x\r\nOrigin: ${origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
      expect(await httpStatus(address, upgrade('https://refused.example'))).to.equal('HTTP/1.1 403 Forbidden');
      expect(await httpStatus(address, upgrade('https://throws.example'))).to.equal('HTTP/1.1 403 Forbidden');
      await eventually(() => listenerErrors(log.events).length === 1, 10_000, 'the failure of the check');
      const [failure] = listenerErrors(log.events);
      expect(failure!.error).to.be.instanceOf(UpgradeError);
      expect(failure!.error.cause).to.equal(boom);
      expect(server.snapshot().listenerErrors.UPGRADE_FAILED).to.equal(1);
    });

    it('reports a failed wss:// handshake as TLS_HANDSHAKE_FAILED', async () => {
      const { key, cert } = await testCertificate();
      const { server, address, log } = await echoServer('wss://127.0.0.1:0/', [wsTransport({ server: { key, cert } })]);
      const plain = await raw(address.replace(/^wss:\/\/([^/]+).*$/, 'tcp://$1'));
      await plain.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await eventually(() => listenerErrors(log.events).length > 0, 10_000, 'the handshake failure');
      await within(plain.ended, 10_000, 'the failed socket to close');
      expect(listenerErrors(log.events).map((e) => e.error.code)).to.deep.equal(['TLS_HANDSHAKE_FAILED']);
      expect(listenerErrors(log.events)[0]!.error).to.be.instanceOf(TlsHandshakeError);
      expect(server.snapshot().listenerErrors).to.deep.equal({ ACCEPT_FAILED: 0, TLS_HANDSHAKE_FAILED: 1, UPGRADE_FAILED: 0, LISTENER_FAILED: 0 });
    });
  });

  describe('out of file descriptors', () => {
    it('survives EMFILE on accept and serves again once descriptors are free; accept errors Node reports are ACCEPT_FAILED', async function () {
      this.timeout(60_000);
      // A server in a child process whose descriptors are limited to 64; it prints its address and
      // every event as a JSON line.
      const child = spawn('bash', ['-c', `ulimit -n 64 && exec "${process.execPath}" --conditions=@rxmsg/source -r ts-node/register "$0"`, join(__dirname, 'fixtures', 'fd-limited-server.ts')], {
        cwd: ROOT,
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      cleanup.push(async () => {
        child.stdin.end();
        await within(exited, 20_000, 'the child to exit');
      });
      const lines: Record<string, unknown>[] = [];
      let partial = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        const parts = (partial + c.toString()).split('\n');
        partial = parts.pop()!;
        for (const p of parts) lines.push(JSON.parse(p) as Record<string, unknown>);
      });
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const ofKind = (type: string) => lines.filter((l) => l['type'] === type);
      await eventually(() => ofKind('address').length === 1 || child.exitCode !== null, 30_000, 'the child to listen');
      expect(child.exitCode, stderr).to.equal(null);
      const port = Number(new URL(String(ofKind('address')[0]!['address'])).port);

      const sockets: Socket[] = [];
      cleanup.push(() => sockets.forEach((s) => s.destroy()));
      /** Open a socket, send a Ping: `true` once it got its Pong, `false` if it was closed instead. */
      const attempt = (): Promise<boolean> =>
        new Promise((resolve) => {
          const s = createConnection({ host: '127.0.0.1', port });
          sockets.push(s);
          let text = '';
          s.on('error', () => {});
          s.on('connect', () => s.write(PING));
          s.on('data', (c: Buffer) => {
            text += c.toString();
            if (text.includes('"Pong"')) resolve(true);
          });
          s.on('close', () => resolve(false));
        });

      // Node's libuv meets EMFILE on accept by accepting the pending connections and closing them at
      // once (its reserve-descriptor trick), without telling JavaScript: the peer sees its socket
      // closed. Node emits an `accept` error only when that trick cannot run; such an error is
      // reported as ACCEPT_FAILED.
      let served = 0;
      while (await attempt()) {
        served++;
        if (served > 200) throw new Error(`no accept failure after 200 connections; stderr: ${stderr}`);
      }
      expect(served).to.be.greaterThan(10);
      for (const e of ofKind('listener-error')) {
        expect(e['code']).to.equal('ACCEPT_FAILED');
        expect(e['name']).to.equal(AcceptError.name);
        expect(e['cause']).to.be.oneOf(['EMFILE', 'ENFILE']);
      }

      // Free ten descriptors of the server: it accepts and serves again.
      const open = sockets.filter((s) => !s.destroyed);
      for (const s of open.slice(0, 10)) s.destroy();
      await eventually(() => ofKind('disconnected').length >= 10, 20_000, 'the server to see ten peers leave');
      expect(await attempt()).to.equal(true);
      child.stdin.write('snapshot\n');
      await eventually(() => ofKind('snapshot').length === 1, 20_000, 'the snapshot');
      const counted = (ofKind('snapshot')[0]!['listenerErrors'] as Record<string, number>)['ACCEPT_FAILED']!;
      expect(counted).to.equal(ofKind('listener-error').length);
      expect(child.exitCode).to.equal(null);
    });
  });
});
