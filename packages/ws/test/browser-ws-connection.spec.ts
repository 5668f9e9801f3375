import { expect } from 'chai';
import { ReceiveBufferFullError, type RxmsgError } from '@rxmsg/core';
import type { WebSocketEventLike, WebSocketEventType, WebSocketLike } from '@rxmsg/ws/browser';
import { BrowserWsConnection } from '@rxmsg/ws/internal';
import { eventually } from '@rxmsg/test-utils';
import { recorder } from './ws-pair';

/** A WHATWG-WebSocket-like object the test drives: it delivers what the test tells it to. */
class FakeWebSocket implements WebSocketLike {
  binaryType = 'blob';
  bufferedAmount = 0;
  readyState = 1;
  readonly closes: { code: number | undefined; reason: string | undefined }[] = [];
  private readonly listeners = new Map<WebSocketEventType, Set<(event: WebSocketEventLike) => void>>();

  send(): void {}
  close(code?: number, reason?: string): void {
    this.closes.push({ code, reason });
    this.readyState = 2;
  }
  addEventListener(type: WebSocketEventType, listener: (event: WebSocketEventLike) => void): void {
    let set = this.listeners.get(type);
    if (set === undefined) this.listeners.set(type, (set = new Set()));
    set.add(listener);
  }
  removeEventListener(type: WebSocketEventType, listener: (event: WebSocketEventLike) => void): void {
    this.listeners.get(type)?.delete(listener);
  }
  /** Deliver one message, as the browser would. */
  message(data: string | ArrayBuffer): void {
    for (const l of [...(this.listeners.get('message') ?? [])]) l({ data });
  }
  listenerCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('BrowserWsConnection (a browser WebSocket, which cannot pause reading)', () => {
  it('holds what arrives while paused, in order, and delivers it on resume', async () => {
    const ws = new FakeWebSocket();
    const c = new BrowserWsConnection(ws, 'browser', 'ws://h:1/', 1024, 100);
    const r = recorder();
    c.start(r.handlers);
    await tick();
    c.pause();
    for (let i = 0; i < 5; i++) ws.message(`m${i}`.padEnd(20, '.'));
    await tick();
    expect(r.seen.data).to.have.length(0);
    c.resume();
    // Reading paused again after the second message: the rest waits for the next resume.
    let delivered = 0;
    r.handlers.onData = (chunk) => {
      r.seen.data.push(chunk);
      if (++delivered === 2) c.pause();
    };
    await eventually(() => r.seen.data.length === 2, 2000, 'two messages');
    ws.message('late'.padEnd(20, '.'));
    c.resume();
    await eventually(() => r.seen.data.length === 6, 2000, 'every message');
    const texts = r.seen.data.map((d) => new TextDecoder().decode(d).replace(/\.+$/, ''));
    expect(texts).to.deep.equal(['m0', 'm1', 'm2', 'm3', 'm4', 'late']);
    expect(r.seen.closes).to.have.length(0);
    expect(ws.closes).to.have.length(0);
  });

  it('closes with 1008 and a ReceiveBufferFullError once more than receiveBufferBytes arrive while paused', async () => {
    const ws = new FakeWebSocket();
    const c = new BrowserWsConnection(ws, 'browser', 'ws://h:1/', 1024, 100);
    const r = recorder();
    c.start(r.handlers);
    await tick();
    c.pause();
    for (let i = 0; i < 5; i++) ws.message(new ArrayBuffer(20));
    expect(r.seen.closes).to.have.length(0);
    ws.message(new ArrayBuffer(1));
    await eventually(() => r.seen.closes.length === 1, 2000, 'the close');
    const error: RxmsgError | undefined = r.seen.closes[0];
    expect(error).to.be.instanceOf(ReceiveBufferFullError);
    expect(error!.code).to.equal('RECEIVE_BUFFER_FULL');
    expect((error as ReceiveBufferFullError).limit).to.equal(100);
    expect(ws.closes).to.deep.equal([{ code: 1008, reason: 'receive buffer full' }]);
    expect(r.seen.data).to.have.length(0);
    // Closed once, and the WebSocket is let go.
    ws.message(new ArrayBuffer(1));
    c.resume();
    await tick();
    expect(r.seen.closes).to.have.length(1);
    expect(ws.listenerCount()).to.equal(0);
  });
});
