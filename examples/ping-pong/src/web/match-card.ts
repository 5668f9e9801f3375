import type { MatchOutcome, MatchProgress, MatchResult, Score } from '@rxmsg-examples/ping-pong/browser';
import { el } from './dom';

/** Where a match shown on the page is: its `data-state`. */
export type CardState = 'connecting' | 'playing' | MatchOutcome | 'failed';

const LABELS: Record<CardState, string> = {
  connecting: 'connecting…',
  playing: 'playing',
  finished: 'finished',
  cancelled: 'cancelled',
  rejected: 'rejected',
  abandoned: 'abandoned',
  failed: 'failed',
};

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * One match on the page: a card with its state, score, rally lengths, turns, messages and
 * messages per second. {@link MatchCard.update} only stores the progress; {@link MatchCard.render}
 * (once per frame) writes the DOM. The elements carry `data-testid`s for the browser test.
 */
export class MatchCard {
  /** The card, to insert in the page. */
  readonly element: HTMLElement;
  private readonly stateText: HTMLElement;
  private readonly title: HTMLElement;
  private readonly score: HTMLElement;
  private readonly client: HTMLElement;
  private readonly server: HTMLElement;
  private readonly rally: HTMLElement;
  private readonly longestRally: HTMLElement;
  private readonly turns: HTMLElement;
  private readonly messages: HTMLElement;
  private readonly rate: HTMLElement;
  private readonly detail: HTMLElement;
  private readonly startedAt = performance.now();
  private progress: MatchProgress | undefined;
  private dirty = false;
  private state: CardState = 'connecting';

  /**
   * @param index - the match's number on this page, from 1.
   * @param seed - its seed, when replayable.
   * @param scoreLimit - points that win it.
   */
  constructor(
    readonly index: number,
    seed: number | undefined,
    scoreLimit: number,
  ) {
    this.title = el('h2', {}, `Match ${index}`);
    this.stateText = el('span', { class: 'state', 'data-testid': 'match-state' }, LABELS.connecting);
    this.client = el('span', { class: 'points client', 'data-testid': 'score-client' }, '0');
    this.server = el('span', { class: 'points server', 'data-testid': 'score-server' }, '0');
    this.score = el('div', { class: 'score', 'data-testid': 'score' });
    this.score.append(el('span', { class: 'side' }, 'you'), this.client, el('span', { class: 'dash' }, '–'), this.server, el('span', { class: 'side' }, 'server'));
    this.rally = el('dd', { 'data-testid': 'rally' }, '0');
    this.longestRally = el('dd', { 'data-testid': 'longest-rally' }, '0');
    this.turns = el('dd', { 'data-testid': 'turns' }, '0');
    this.messages = el('dd', { 'data-testid': 'messages' }, '0');
    this.rate = el('dd', { 'data-testid': 'match-rate' }, '0');
    const facts = el('dl');
    for (const [label, value] of [
      ['rally', this.rally],
      ['longest rally', this.longestRally],
      ['turns', this.turns],
      ['messages', this.messages],
      ['messages/s', this.rate],
    ] as const) {
      facts.append(el('dt', {}, label), value);
    }
    this.detail = el('p', { class: 'detail', 'data-testid': 'match-detail' }, `first to ${scoreLimit}${seed === undefined ? ', random seed' : `, seed ${seed}`}`);
    const header = el('header');
    header.append(this.title, this.stateText);
    this.element = el('article', { class: 'match', 'data-testid': 'match', 'data-index': String(index), 'data-state': this.state });
    this.element.append(header, this.score, facts, this.detail);
  }

  /** The match moved on: keep its progress for the next {@link MatchCard.render}. */
  update(progress: MatchProgress): void {
    this.progress = progress;
    this.dirty = true;
    if (this.state === 'connecting' && progress.match !== null) this.setState('playing');
  }

  /** Write the latest progress, and the messages per second so far, into the card. */
  render(now: number): void {
    const p = this.progress;
    if (p === undefined || this.state !== 'playing') return;
    if (this.dirty) {
      this.dirty = false;
      if (p.match !== null) this.setMatch(p.match);
      this.setScore(p.score);
      this.rally.textContent = String(p.rally);
      this.longestRally.textContent = String(p.longestRally);
      this.turns.textContent = String(p.turns);
    }
    const total = p.messagesIn + p.messagesOut;
    this.messages.textContent = number.format(total);
    this.rate.textContent = number.format((total * 1000) / Math.max(now - this.startedAt, 1));
  }

  /** The match is over: show its result (the final score as this side's umpire has it) and its average messages per second. */
  finish(result: MatchResult): void {
    const p = this.progress;
    if (result.match !== null) this.setMatch(result.match);
    this.setScore(result.score);
    if (p !== undefined) {
      this.rally.textContent = String(p.rally);
      this.longestRally.textContent = String(p.longestRally);
    }
    this.turns.textContent = String(result.turns);
    const total = result.messagesIn + result.messagesOut;
    this.messages.textContent = number.format(total);
    const rate = (total * 1000) / Math.max(result.durationMs, 1);
    this.rate.textContent = number.format(rate);
    this.rate.dataset['value'] = String(rate);
    const winner = result.winner === null ? '' : result.winner === 'client' ? ' — you win' : ' — the server wins';
    const endorsed = result.endorsed === false ? ' (score NOT endorsed)' : '';
    const why = result.reason === null ? '' : `: ${result.reason}`;
    this.detail.textContent = `${this.detail.textContent ?? ''}${winner}${endorsed}${why}, ${Math.round(result.durationMs)} ms`;
    this.setState(result.outcome);
  }

  /** The match could not be played (the server is unreachable, …). */
  fail(message: string): void {
    this.detail.textContent = message;
    this.setState('failed');
  }

  private setMatch(match: number): void {
    this.element.dataset['match'] = String(match);
    this.title.textContent = `Match ${this.index} · server match ${match}`;
  }

  private setScore(score: Score): void {
    this.client.textContent = String(score.client);
    this.server.textContent = String(score.server);
    this.score.dataset['client'] = String(score.client);
    this.score.dataset['server'] = String(score.server);
  }

  private setState(state: CardState): void {
    this.state = state;
    this.element.dataset['state'] = state;
    this.stateText.textContent = LABELS[state];
  }
}
