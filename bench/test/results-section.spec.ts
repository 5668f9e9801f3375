import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { writeResultsSection } from '../src/results-section';

describe('bench: a section of RESULTS.md', () => {
  it('replaces the text between its markers and leaves the rest; appends a headed section when they are missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rxmsg-results-'));
    try {
      const file = join(dir, 'RESULTS.md');
      writeFileSync(file, '# Results\n\nbefore\n<!-- x:start -->\nold\n<!-- x:end -->\nafter\n');
      expect(writeResultsSection('x', 'X', 'new', file)).to.equal(file);
      expect(readFileSync(file, 'utf8')).to.equal('# Results\n\nbefore\n<!-- x:start -->\nnew\n<!-- x:end -->\nafter\n');
      writeResultsSection('y', 'Y bench', 'table', file);
      expect(readFileSync(file, 'utf8')).to.equal('# Results\n\nbefore\n<!-- x:start -->\nnew\n<!-- x:end -->\nafter\n\n## Y bench\n\n<!-- y:start -->\ntable\n<!-- y:end -->\n');
      expect(writeResultsSection('z', 'Z', 't', join(dir, 'missing.md'))).to.equal(undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
