import { expect } from 'chai';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { WEB_BATCH_MATCHES, simulateMatch, startServer, webMatchConfig, type MatchResult, type PingPongServer } from '@rxmsg-examples/ping-pong';

/** Debian's chromium package; `.ci/run` installs it. Playwright's own browser downloads do not work here. */
const CHROMIUM = '/usr/bin/chromium';
/** Git-ignored (the root .gitignore has `artifacts/`). */
const ARTIFACTS = join(__dirname, '..', 'artifacts');
const SEED = 42;
const SCORE_LIMIT = 5;
const OPTIONS = { seed: SEED, scoreLimit: SCORE_LIMIT, paceMs: 0 };

/** A card's state once its match is over (or could not be played). */
const OVER = ':not([data-state="connecting"]):not([data-state="playing"])';

interface ShownMatch {
  readonly state: string | null;
  readonly match: number;
  readonly client: number;
  readonly server: number;
  readonly rate: number;
  readonly detail: string;
}

/** What the page shows for its `index`-th match, read from the DOM. */
async function shown(card: Locator): Promise<ShownMatch> {
  const text = async (testId: string): Promise<string> => (await card.getByTestId(testId).textContent()) ?? '';
  return {
    state: await card.getAttribute('data-state'),
    match: Number(await card.getAttribute('data-match')),
    client: Number(await text('score-client')),
    server: Number(await text('score-server')),
    rate: Number(await card.getByTestId('match-rate').getAttribute('data-value')),
    detail: await text('match-detail'),
  };
}

describe('ping-pong web page in headless Chromium', function () {
  this.timeout(30_000);
  let server: PingPongServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let results: MatchResult[];
  let pageErrors: string[];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`      skipped: ${CHROMIUM} not found; install Debian's chromium package (apt-get install -y chromium) to run the browser test`);
      this.skip();
    }
    server = await startServer({ listen: 'tcp://127.0.0.1:0', web: 'http://127.0.0.1:0' });
    // Playwright adds --headless and --no-sandbox (chromiumSandbox: false) and a fresh temporary
    // --user-data-dir, which it deletes on close (an explicit --user-data-dir argument is refused).
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
      args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      timeout: 15_000,
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  beforeEach(async () => {
    results = [];
    pageErrors = [];
    server!.results$.subscribe((r) => results.push(r));
    page = await browser!.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (error) => pageErrors.push(`page error: ${error.stack ?? error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
    await page.goto(`${server!.webUrl}?seed=${SEED}&scoreLimit=${SCORE_LIMIT}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 5_000 });
  });

  afterEach(async () => {
    await page.close();
    expect(pageErrors).to.deep.equal([]);
  });

  /** The server's result for `match`, once it has logged it. */
  async function serverResult(match: number): Promise<MatchResult> {
    for (let waited = 0; waited < 5_000; waited += 20) {
      const found = results.find((r) => r.match === match);
      if (found !== undefined) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`the server logged no result for match ${match}; it logged ${results.map((r) => r.match).join(', ') || 'none'}`);
  }

  it('plays a match started with "New match"; the final score shown is the one the server logged', async () => {
    await page.getByTestId('new-match').click();
    const card = page.locator(`[data-testid="match"][data-index="1"]`);
    await page.waitForSelector(`[data-testid="match"][data-index="1"]${OVER}`, { timeout: 15_000 });
    const match = await shown(card);
    expect(match.state, match.detail).to.equal('finished');

    const logged = await serverResult(match.match);
    expect(logged).to.deep.include({ side: 'server', outcome: 'finished', endorsed: true, seed: SEED });
    expect({ client: match.client, server: match.server }).to.deep.equal(logged.score);
    // The same shared logic as the Node client: the seeded match replays exactly.
    expect(logged.score).to.deep.equal(simulateMatch(webMatchConfig(OPTIONS, 0)).score);

    expect(match.rate, 'messages/s of the match').to.be.greaterThan(0);
    // A string: this project's types have no DOM. The figure is refreshed every 250 ms.
    await page.waitForFunction(`Number(document.querySelector('[data-testid="peak-rate"]')?.getAttribute('data-value')) > 0`, undefined, { timeout: 2_000 });
    expect(await page.getByTestId('log').locator('li').count()).to.be.greaterThan(2);
    expect(await page.getByTestId('log').textContent()).to.include(`client ${match.client} - server ${match.server}`);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'ping-pong-web.png'), fullPage: true });
  });

  it(`plays ${WEB_BATCH_MATCHES} matches at once with "Start ${WEB_BATCH_MATCHES} matches", each shown as the server logged it`, async () => {
    await page.getByTestId('start-matches').click();
    for (let i = 1; i <= WEB_BATCH_MATCHES; i++) {
      await page.waitForSelector(`[data-testid="match"][data-index="${i}"]${OVER}`, { timeout: 15_000 });
    }
    const seen = new Set<number>();
    for (let i = 1; i <= WEB_BATCH_MATCHES; i++) {
      const match = await shown(page.locator(`[data-testid="match"][data-index="${i}"]`));
      expect(match.state, match.detail).to.equal('finished');
      const logged = await serverResult(match.match);
      expect(logged.seed).to.equal(SEED + i - 1);
      expect({ client: match.client, server: match.server }).to.deep.equal(logged.score);
      seen.add(match.match);
    }
    expect(seen.size).to.equal(WEB_BATCH_MATCHES);
    await page.screenshot({ path: join(ARTIFACTS, 'ping-pong-web-5-matches.png'), fullPage: true });
  });
});
