import { expect } from 'chai';
import { EMPTY } from 'rxjs';
import { z } from 'zod';
import { Registry } from 'prom-client';
import { ConfigError } from '@rxmsg/core';
import { defineProtocol, rpc, type ServerProcessor, type ServerSnapshot } from '@rxmsg/node';
import { serverMetrics, type MetricsSource } from '@rxmsg/metrics';

// Type-level tests: `tsc -b` fails if a line marked @ts-expect-error compiles. Each test also
// asserts something at run time.
const Kv = defineProtocol({
  name: 'kv-types',
  tag: 'kind',
  codec: 'text',
  client: { Get: z.object({ key: z.string() }) },
  server: { Value: z.object({ value: z.string() }) },
  requests: { client: { Get: 'Value' } },
});
const kv = rpc(Kv);
const snapshot: ServerSnapshot = {
  listeners: [],
  connections: [],
  listenerErrors: { ACCEPT_FAILED: 0, TLS_HANDSHAKE_FAILED: 0, UPGRADE_FAILED: 0, LISTENER_FAILED: 0 },
  refused: { 'max-connections': 0, stopping: 0, 'initial-state-failed': 0 },
  bufferedBytes: 0,
  shed: 0,
};
const source: MetricsSource = { snapshot: () => snapshot, events$: EMPTY };

describe('@rxmsg/metrics types', () => {
  it('timed handlers keep what respond() checks', () => {
    const metrics = serverMetrics(source, { registry: new Registry() });
    const good: ServerProcessor<typeof Kv> = (in$, peer) => in$.pipe(kv.respond(peer, metrics.timeHandlers({ Get: ({ key }) => ({ kind: 'Value', value: key }) })));
    const wrongReply: ServerProcessor<typeof Kv> = (in$, peer) =>
      // @ts-expect-error a reply that is not the declared `Value` still fails once timed
      in$.pipe(kv.respond(peer, metrics.timeHandlers({ Get: () => ({ kind: 'Nope' }) })));
    expect([typeof good, typeof wrongReply]).to.deep.equal(['function', 'function']);
    metrics.stop();
  });

  it('options and the source are typed', () => {
    // @ts-expect-error maxLabelValues is a number (and at run time a ConfigError)
    expect(() => serverMetrics(source, { registry: new Registry(), maxLabelValues: '3' })).to.throw(ConfigError);
    // @ts-expect-error the source needs snapshot() and events$ (never called)
    const missing = () => serverMetrics({ snapshot: () => snapshot });
    expect(typeof missing).to.equal('function');
  });
});
