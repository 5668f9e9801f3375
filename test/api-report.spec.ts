import { expect } from 'chai';
import { apiPackages, publishedPackages, runApiReports } from './api-report';

/**
 * The public API is tracked: each published package's checked-in report
 * (packages/<pkg>/etc/<pkg>.api.md) must match what api-extractor makes of the built public entry.
 * An accidental export, a removed one or a changed signature fails here. Runs on `dist`: the suite
 * builds first (`npm test` = `tsc -b && mocha`).
 */
describe('API reports (api-extractor)', function () {
  // One TypeScript program for every package: a few seconds idle, more on a loaded machine.
  this.timeout(180_000);

  it('covers every published package', () => {
    expect(apiPackages()).to.deep.equal(publishedPackages());
  });

  it('match the public entry of every package', () => {
    const failures = runApiReports(false).flatMap((r) => [
      ...(r.changed
        ? [`${r.name}: the public API differs from packages/${r.pkg}/etc/${r.pkg}.api.md. If the change is intended, run \`npm run api\` and commit the report; otherwise fix packages/${r.pkg}/src/index.ts.`]
        : []),
      ...r.problems.map((p) => `${r.name}: ${p}`),
    ]);
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });
});
