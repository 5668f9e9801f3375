import { el } from './dom';

/** What a log line is about; styles it. */
export type LogKind = 'info' | 'turn' | 'point' | 'end' | 'error';

/**
 * The scrolling event log: lines are buffered as they come (hundreds a second at full speed) and
 * added to the list once per frame by {@link EventLog.flush}; only the last `maxLines` are kept.
 * The list follows new lines unless the reader has scrolled up.
 */
export class EventLog {
  private pending: [string, LogKind][] = [];

  /**
   * @param list - the `<ol>` to fill.
   * @param maxLines - lines kept, in the list and in the buffer.
   */
  constructor(
    private readonly list: HTMLOListElement,
    private readonly maxLines = 400,
  ) {}

  /** Queue a line for the next {@link EventLog.flush}. */
  add(text: string, kind: LogKind = 'info'): void {
    this.pending.push([text, kind]);
    if (this.pending.length > this.maxLines) this.pending.splice(0, this.pending.length - this.maxLines);
  }

  /** Add the queued lines to the list, drop the oldest beyond `maxLines`, and scroll to the end if the reader was there. */
  flush(): void {
    if (this.pending.length === 0) return;
    const list = this.list;
    const following = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
    const fragment = document.createDocumentFragment();
    for (const [text, kind] of this.pending) fragment.append(el('li', { class: kind }, text));
    this.pending = [];
    list.append(fragment);
    while (list.childElementCount > this.maxLines) list.firstElementChild?.remove();
    if (following) list.scrollTop = list.scrollHeight;
  }
}
