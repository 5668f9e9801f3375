import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh path for a Unix domain socket in a new temporary directory. */
export function tempSocketPath(name = 'rxmsg.sock'): string {
  return join(mkdtempSync(join(tmpdir(), 'rxmsg-')), name);
}
