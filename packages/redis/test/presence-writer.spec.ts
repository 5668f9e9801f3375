import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { PresenceWriter, type PresenceStore } from '../src/presence-writer';

/** An in-memory presence set that can be taken down. */
class FakeStore implements PresenceStore {
  readonly set = new Set<string>();
  readonly writes: string[] = [];
  up = true;
  fail = false;
  ready(): boolean {
    return this.up;
  }
  update(add: readonly string[], remove: readonly string[]): Promise<unknown> {
    this.writes.push(`update +${add.join(',')} -${remove.join(',')}`);
    if (this.fail) return Promise.reject(new Error('write failed'));
    for (const id of add) this.set.add(id);
    for (const id of remove) this.set.delete(id);
    return Promise.resolve();
  }
  replace(ids: readonly string[]): Promise<unknown> {
    this.writes.push(`replace ${ids.join(',')}`);
    if (this.fail) return Promise.reject(new Error('write failed'));
    this.set.clear();
    for (const id of ids) this.set.add(id);
    return Promise.resolve();
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('PresenceWriter (virtual time)', () => {
  it('gathers changes for flushMs and writes them in one round trip; a peer opened and closed in between is never written', async () => {
    const scheduler = new VirtualTimeScheduler(undefined, 100_000);
    const store = new FakeStore();
    const writer = new PresenceWriter(store, 50, scheduler, () => expect.fail('no error expected'));
    writer.peerOpened(1);
    writer.peerOpened(2);
    writer.peerOpened(3);
    writer.peerClosed(3);
    scheduler.flush();
    await settle();
    expect(store.writes).to.deep.equal(['update +1,2 -']);
    writer.peerClosed(1);
    writer.peerOpened(4);
    scheduler.flush();
    await settle();
    expect(store.writes.at(-1)).to.equal('update +4 -1');
    expect([...store.set].sort()).to.deep.equal(['2', '4']);
    expect(writer.size).to.equal(2);
    writer.close();
    expect(scheduler.actions).to.have.length(0);
  });

  it('while the store is down nothing queues up; the set is rewritten whole once it is back (and after a failed write)', async () => {
    const scheduler = new VirtualTimeScheduler(undefined, 100_000);
    const store = new FakeStore();
    const errors: unknown[] = [];
    const writer = new PresenceWriter(store, 50, scheduler, (e) => errors.push(e));
    store.up = false;
    for (let id = 1; id <= 1_000; id++) writer.peerOpened(id);
    for (let id = 1; id <= 998; id++) writer.peerClosed(id);
    scheduler.flush();
    await settle();
    expect(store.writes).to.deep.equal([]);
    store.up = true;
    await writer.rewriteIfDirty();
    expect(store.writes).to.deep.equal(['replace 999,1000']);
    store.fail = true;
    writer.peerOpened(5);
    scheduler.flush();
    await settle();
    expect(errors).to.have.length(1);
    store.fail = false;
    await writer.rewriteIfDirty();
    expect([...store.set].sort()).to.deep.equal(['1000', '5', '999']);
    await writer.rewriteIfDirty(); // not dirty any more: no write
    expect(store.writes.filter((w) => w.startsWith('replace'))).to.have.length(2);
    writer.close();
  });
});
