/**
 * The ping-pong web page: plays matches against the server that served it, over a WebSocket on the
 * same origin (`/play`), with the example's own game logic, protocols and client processors
 * (`startMatch`), and shows them live. Options in the query string: `?seed=42&scoreLimit=5&pace=50`.
 */
// These two run before the rest is even loaded: see each.
import './zod-jitless';
import { browserWsTransport } from '@rxmsg/ws/browser';
import {
  RateMeter,
  WEB_BATCH_MATCHES,
  formatResult,
  pacedTurns,
  parseWebPageOptions,
  playAddress,
  startMatch,
  webMatchConfig,
  type MatchClient,
  type Ruling,
  type WebPageOptions,
} from '@rxmsg-examples/ping-pong/browser';
import { byId } from './dom';
import { EventLog } from './event-log';
import { MatchCard } from './match-card';

/** Cards kept on the page; the oldest finished ones go first. */
const MAX_CARDS = 24;
/** How often the messages/s figures are refreshed, in ms. */
const RATE_REFRESH_MS = 250;

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function describeRuling(index: number, r: Ruling): string {
  const head = `#${index} turn ${r.n}: ${r.player === 'client' ? 'you' : 'server'} ${r.event}`;
  if (r.outcome !== 'point' || r.pointTo === null) return head;
  const { client, server } = r.next.score;
  return `${head} → point to ${r.pointTo === 'client' ? 'you' : 'the server'}, ${client}–${server}`;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function main(): void {
  const status = byId('status', HTMLElement);
  const newMatch = byId('new-match', HTMLButtonElement);
  const startMany = byId('start-matches', HTMLButtonElement);
  const matches = byId('matches', HTMLElement);
  const rate = byId('rate', HTMLElement);
  const peakRate = byId('peak-rate', HTMLElement);
  const totals = byId('totals', HTMLElement);
  const log = new EventLog(byId('log', HTMLOListElement));

  const parsed = parseWebPageOptions(location.search);
  if (!parsed.ok) {
    status.textContent = `Bad query string: ${parsed.error}. Use e.g. ?seed=1&scoreLimit=5&pace=50`;
    status.dataset['state'] = 'error';
    return;
  }
  const options: WebPageOptions = parsed.value;
  const address = playAddress(location);
  const pace = options.paceMs > 0 ? `, ${options.paceMs} ms per turn` : '';
  const seeds = options.seed === undefined ? 'random seeds' : `seeds from ${options.seed}`;
  status.textContent = `Playing against ${address}: first to ${options.scoreLimit}, ${seeds}${pace}.`;

  const transports = [browserWsTransport()];
  const meter = new RateMeter();
  const live = new Set<MatchCard>();
  let peak = 0;
  let started = 0;
  let ended = 0;
  let messages = 0;
  let frame: number | undefined;

  const render = (): void => {
    frame = undefined;
    const now = performance.now();
    for (const card of live) card.render(now);
    log.flush();
    totals.textContent = `${started} started, ${ended} ended, ${number.format(messages)} messages`;
  };
  const schedule = (): void => {
    frame ??= requestAnimationFrame(render);
  };

  const refreshRate = (): void => {
    const perSecond = meter.perSecond(performance.now());
    peak = Math.max(peak, perSecond);
    rate.textContent = number.format(perSecond);
    rate.dataset['value'] = String(perSecond);
    peakRate.textContent = number.format(peak);
    peakRate.dataset['value'] = String(peak);
    if (live.size > 0) schedule();
  };
  setInterval(refreshRate, RATE_REFRESH_MS);

  const addCard = (card: MatchCard): void => {
    matches.prepend(card.element);
    // Drop the oldest cards of matches that are over.
    const cards = [...matches.querySelectorAll<HTMLElement>('[data-testid="match"]')];
    for (const old of cards.slice(MAX_CARDS).reverse()) {
      if (old.dataset['state'] !== 'playing' && old.dataset['state'] !== 'connecting') old.remove();
    }
  };

  const play = (): void => {
    const index = ++started;
    const config = webMatchConfig(options, index - 1);
    const card = new MatchCard(index, config.seed, config.scoreLimit);
    addCard(card);
    log.add(`#${index} connecting to ${address}`);
    let match: MatchClient;
    try {
      match = startMatch({ connect: address, transports, config, ...(options.paceMs > 0 ? { wrapGame: pacedTurns(options.paceMs) } : {}) });
    } catch (error) {
      card.fail(describeError(error));
      log.add(`#${index} ${describeError(error)}`, 'error');
      ended++;
      schedule();
      return;
    }
    live.add(card);
    let counted = 0;
    match.progress$.subscribe((progress) => {
      const total = progress.messagesIn + progress.messagesOut;
      meter.add(total - counted, performance.now());
      messages += total - counted;
      counted = total;
      card.update(progress);
      for (const ruling of progress.rulings) log.add(describeRuling(index, ruling), ruling.outcome === 'point' ? 'point' : 'turn');
      schedule();
    });
    match.result
      .then(
        (result) => {
          card.finish(result);
          log.add(`#${index} ${formatResult(result)}`, result.outcome === 'finished' ? 'end' : 'error');
        },
        (error: unknown) => {
          card.fail(describeError(error));
          log.add(`#${index} ${describeError(error)}`, 'error');
        },
      )
      .finally(() => {
        live.delete(card);
        ended++;
        refreshRate();
        schedule();
      });
    schedule();
  };

  newMatch.addEventListener('click', () => play());
  startMany.textContent = `Start ${WEB_BATCH_MATCHES} matches`;
  startMany.addEventListener('click', () => {
    for (let i = 0; i < WEB_BATCH_MATCHES; i++) play();
  });
  newMatch.disabled = false;
  startMany.disabled = false;
  document.body.dataset['ready'] = 'true';
  render();
}

main();
