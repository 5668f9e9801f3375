import { z } from 'zod';

// zod compiles object parsers with `new Function` unless told not to, and probes for it first: under
// the page's Content-Security-Policy (no 'unsafe-eval') the probe is refused and reported as a
// violation. Its parsers read this when they are created, so app.ts imports this module first.
z.config({ jitless: true });
