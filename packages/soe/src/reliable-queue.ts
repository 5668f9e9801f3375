/**
 * A first-in first-out queue with O(1) amortised push, shift and indexed access: an array whose
 * consumed head is compacted away once it is at least half of the storage, so no operation
 * shifts the whole array each time.
 */
export class FifoQueue<T> {
  private items: T[] = [];
  private head = 0;

  /** Items in the queue. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends `item` at the tail. */
  push(item: T): void {
    this.items.push(item);
  }

  /** The item at `index` from the head, `undefined` past the end. */
  at(index: number): T | undefined {
    return index >= 0 && index < this.length ? this.items[this.head + index] : undefined;
  }

  /** The head item, `undefined` when empty. */
  peek(): T | undefined {
    return this.at(0);
  }

  /** Removes and returns the head item, `undefined` when empty. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.head += 1;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes every item. */
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
