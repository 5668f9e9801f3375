import { Counter, Gauge, Histogram, register, type OpenMetricsContentType, type PrometheusContentType, type Registry } from 'prom-client';
import type { Observable } from 'rxjs';
import { ConfigError } from '@rxmsg/core';
import type { ServerEvent, ServerSnapshot } from '@rxmsg/runtime';
import { LabelGuard } from './label-guard';
import { timeHandlers, type HandlerRecord } from './timed-handlers';
import { TrafficTotals, type TrafficField, type TrafficSums } from './traffic-totals';

/** Distinct values of a configuration-fed label (listener, protocol) before the rest become `other`. */
export const DEFAULT_MAX_LABEL_VALUES = 32;

/** Buckets of the request handler histogram, in seconds: 100 µs to 10 s. */
export const DEFAULT_REQUEST_BUCKETS: readonly number[] = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** What {@link serverMetrics} reads: any rxmsg server (`createServer`'s handle) has both. */
export interface MetricsSource {
  /** Read at scrape time only. */
  snapshot(): ServerSnapshot;
  /** Subscribed once, from attach to `stop()`. */
  readonly events$: Observable<ServerEvent>;
}

/** Options of {@link serverMetrics}. */
export interface ServerMetricsOptions {
  /** Where the metrics are registered. Default: prom-client's global `register` (the one `AggregatorRegistry` collects from cluster workers). */
  readonly registry?: Registry<PrometheusContentType> | Registry<OpenMetricsContentType>;
  /** Prefix of every metric name. Default `rxmsg_`. Two servers in one registry need two prefixes. */
  readonly prefix?: string;
  /** Distinct values of the `listener` and `protocol` labels before further ones read `other`. Default {@link DEFAULT_MAX_LABEL_VALUES}. */
  readonly maxLabelValues?: number;
  /** Buckets (seconds) of `request_handler_seconds`. Default {@link DEFAULT_REQUEST_BUCKETS}. */
  readonly requestBuckets?: readonly number[];
}

/** The handle of metrics attached to one server. */
export interface ServerMetrics {
  /** The registry the metrics are in. */
  readonly registry: Registry<PrometheusContentType> | Registry<OpenMetricsContentType>;
  /** Full names of the metrics registered (prefix included). */
  readonly names: readonly string[];
  /**
   * Times request handlers into `request_handler_seconds{request,outcome}`: pass the result to
   * `rpc(protocol).respond(peer, …)` instead of the record (see {@link timeHandlers}). Wrap once, reuse on every connection.
   */
  timeHandlers<H extends HandlerRecord>(handlers: H): H;
  /** Detaches: unsubscribes from the server's events and removes the metrics from the registry. Safe to call twice. */
  stop(): void;
}

/** A scrape's view of the server, shared by every metric collected in that scrape. */
interface View {
  readonly snapshot: ServerSnapshot;
  readonly traffic: TrafficSums;
}

const TRAFFIC_METRICS: readonly (readonly [string, TrafficField, string])[] = [
  ['messages_received_total', 'messagesIn', 'Messages decoded and delivered, per listener.'],
  ['messages_sent_total', 'messagesOut', 'Messages handed to the socket, per listener.'],
  ['bytes_received_total', 'bytesIn', 'Bytes received, per listener.'],
  ['bytes_sent_total', 'bytesOut', 'Bytes handed to the socket, per listener.'],
  ['read_pauses_total', 'pauses', 'Times reading a connection was paused for backpressure, per listener.'],
  ['rate_limited_total', 'rateLimited', 'Times the inbound rate limit was hit, per listener.'],
];

/**
 * Prometheus metrics of an rxmsg server through prom-client. Nothing is added to the server's
 * message path: gauges and traffic counters are computed when the registry is scraped, from one
 * `server.snapshot()` per scrape plus the final counters of closed connections; the other
 * counters follow `server.events$` (connections, disconnects, decode errors, drops, refusals),
 * which costs one increment per event. No label is per peer or per room; listener and protocol
 * labels are bounded by `maxLabelValues`. The metric names are listed in the package README.
 *
 * @param server What to measure (a server handle from `createServer`).
 * @returns A handle whose `stop()` detaches.
 * @throws {@link @rxmsg/core!ConfigError} (code `CONFIG_INVALID`) on a bad option, or when a metric of that
 *   name is already in the registry (use another `prefix`); nothing stays registered then.
 * @example
 * import http from 'node:http';
 * import { Registry } from 'prom-client';
 * import { serverMetrics } from '@rxmsg/metrics';
 *
 * const registry = new Registry();
 * const metrics = serverMetrics(server, { registry, prefix: 'rxmsg_' });
 * http.createServer(async (_req, res) => {
 *   res.setHeader('content-type', registry.contentType);
 *   res.end(await registry.metrics());
 * }).listen(9464);
 * // later: metrics.stop();
 */
export function serverMetrics(server: MetricsSource, options: ServerMetricsOptions = {}): ServerMetrics {
  const registry = options.registry ?? register;
  const prefix = options.prefix ?? 'rxmsg_';
  const maxLabelValues = options.maxLabelValues ?? DEFAULT_MAX_LABEL_VALUES;
  if (!Number.isSafeInteger(maxLabelValues) || maxLabelValues < 1) {
    throw new ConfigError('maxLabelValues', [`must be a positive integer, got ${String(maxLabelValues)}`]);
  }
  const listeners = new LabelGuard(maxLabelValues);
  const protocols = new LabelGuard(maxLabelValues);
  const protocolLabel = (p: string | undefined): string => (p === undefined ? 'none' : protocols.value(p));
  const listenerLabel = (l: string): string => listeners.value(l);
  const totals = new TrafficTotals();

  // One snapshot per scrape: prom-client starts every metric's collect in one synchronous pass,
  // so the view is dropped at the next microtask.
  let cached: View | undefined;
  const view = (): View => {
    if (cached === undefined) {
      const snapshot = server.snapshot();
      cached = { snapshot, traffic: totals.read(snapshot.connections, listenerLabel) };
      queueMicrotask(() => (cached = undefined));
    }
    return cached;
  };

  const registers = [registry];
  const created: { name: string }[] = [];
  let counter: <L extends string>(name: string, help: string, labelNames: readonly L[], collect?: (c: Counter<L>) => void) => Counter<L>;
  let gauge: <L extends string>(name: string, help: string, labelNames: readonly L[], collect: (g: Gauge<L>) => void, aggregator?: 'sum' | 'max') => Gauge<L>;
  let histogram: Histogram<'request' | 'outcome'>;
  let byEvent: ReturnType<typeof eventCounters>;
  try {
    counter = (name, help, labelNames, collect) => {
      const c: Counter<(typeof labelNames)[number]> = new Counter({
        name: prefix + name,
        help,
        labelNames,
        registers,
        ...(collect === undefined ? {} : { collect: () => collect(c) }),
      });
      created.push(c as unknown as { name: string }); // prom-client keeps `name` at run time; its types do not declare it
      return c;
    };
    gauge = (name, help, labelNames, collect, aggregator = 'sum') => {
      const g: Gauge<(typeof labelNames)[number]> = new Gauge({ name: prefix + name, help, labelNames, registers, aggregator, collect: () => collect(g) });
      created.push(g as unknown as { name: string }); // as above
      return g;
    };

    gauge('connections', 'Open connections, per listener and protocol spoken (`none` before the first).', ['listener', 'protocol'], (g) => {
      g.reset();
      for (const l of view().snapshot.listeners) g.set({ listener: listenerLabel(l.address), protocol: 'none' }, 0);
      for (const c of view().snapshot.connections) g.inc({ listener: listenerLabel(c.listener), protocol: protocolLabel(c.protocol) });
    });
    gauge('send_queue_messages', 'Messages waiting in outbound queues now, per listener.', ['listener'], (g) => {
      g.reset();
      for (const l of view().snapshot.listeners) g.set({ listener: listenerLabel(l.address) }, 0);
      for (const c of view().snapshot.connections) g.inc({ listener: listenerLabel(c.listener) }, c.queued);
    });
    gauge(
      'send_queue_max_messages',
      'The longest outbound queue now (messages).',
      [],
      (g) => g.set(view().snapshot.connections.reduce((m, c) => Math.max(m, c.queued), 0)),
      'max',
    );
    gauge('buffered_bytes', 'Bytes held in rxmsg buffers now (undecoded input, outbound queues), against maxBufferedBytes.', [], (g) =>
      g.set(view().snapshot.bufferedBytes),
    );
    gauge('input_paused_connections', 'Connections whose socket is not being read now (backpressure), per listener.', ['listener'], (g) => {
      g.reset();
      for (const l of view().snapshot.listeners) g.set({ listener: listenerLabel(l.address) }, 0);
      for (const c of view().snapshot.connections) if (c.inputPaused) g.inc({ listener: listenerLabel(c.listener) });
    });
    for (const [name, field, help] of TRAFFIC_METRICS) {
      counter(name, help, ['listener'], (c) => {
        c.reset();
        // Every listener has its series from the start (0), so rate() works from the first sample.
        for (const l of view().snapshot.listeners) c.inc({ listener: listenerLabel(l.address) }, 0);
        for (const [listener, sums] of view().traffic) c.inc({ listener }, sums[field]);
      });
    }
    counter('listener_errors_total', 'Failures a listener survived, per error code.', ['code'], (c) => {
      c.reset();
      for (const [code, n] of Object.entries(view().snapshot.listenerErrors)) c.inc({ code }, n);
    });
    counter('connections_refused_total', 'Connections refused at accept, per reason.', ['reason'], (c) => {
      c.reset();
      for (const [reason, n] of Object.entries(view().snapshot.refused)) c.inc({ reason }, n);
    });
    counter('connections_shed_total', 'Connections closed to stay under maxBufferedBytes.', [], (c) => {
      c.reset();
      c.inc(view().snapshot.shed);
    });
    byEvent = eventCounters(counter);
    histogram = new Histogram({
      name: `${prefix}request_handler_seconds`,
      help: 'Time from a request reaching its handler to its answer being ready (first reply of a stream), per request and outcome.',
      labelNames: ['request', 'outcome'],
      buckets: [...(options.requestBuckets ?? DEFAULT_REQUEST_BUCKETS)],
      registers,
    });
    created.push(histogram as unknown as { name: string }); // as above
  } catch (error) {
    for (const m of created) registry.removeSingleMetric(m.name);
    throw new ConfigError('prefix', [error instanceof Error ? error.message : String(error)], { cause: error });
  }

  for (const c of server.snapshot().connections) totals.opened(c.id, listenerLabel(c.listener));
  const subscription = server.events$.subscribe((e) => {
    switch (e.type) {
      case 'connected': {
        const listener = listenerLabel(e.listener);
        totals.opened(e.peerId, listener);
        byEvent.opened.inc({ listener });
        return;
      }
      case 'disconnected':
        totals.closed(e.peerId, e.stats, 'unknown');
        byEvent.disconnects.inc({ reason: e.reason });
        return;
      case 'decode-error':
        byEvent.decodeErrors.inc({ protocol: protocolLabel(e.protocol), code: e.error.code, action: e.action });
        return;
      case 'message-dropped':
        byEvent.dropped.inc({ direction: e.direction, cause: e.cause });
        return;
      case 'processor-error':
        byEvent.processorErrors.inc({ protocol: protocolLabel(e.protocol) });
        return;
      case 'send-queue-full':
        byEvent.queueFull.inc();
        return;
      case 'resume-refused':
        byEvent.resumeRefused.inc({ reason: e.reason });
        return;
      case 'room-error':
        byEvent.roomErrors.inc({ code: e.error.code });
        return;
      default:
        return;
    }
  });

  let stopped = false;
  const names = created.map((m) => m.name);
  return {
    registry,
    names,
    timeHandlers: (handlers) =>
      timeHandlers((request) => {
        const end = histogram.startTimer({ request });
        return (outcome) => end({ outcome });
      }, handlers),
    stop: () => {
      if (stopped) return;
      stopped = true;
      subscription.unsubscribe();
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}

/** The counters fed by server events. */
function eventCounters(counter: <L extends string>(name: string, help: string, labelNames: readonly L[]) => Counter<L>) {
  return {
    opened: counter('connections_opened_total', 'Connections accepted, per listener.', ['listener']),
    disconnects: counter('disconnects_total', 'Connections ended, per reason (see DisconnectReason).', ['reason']),
    decodeErrors: counter('decode_errors_total', 'Bad input, per protocol, error code and the action taken.', ['protocol', 'code', 'action']),
    dropped: counter('messages_dropped_total', 'Messages dropped, per direction and cause (the policy that dropped them).', ['direction', 'cause']),
    processorErrors: counter('processor_errors_total', 'Processor or handler failures, per protocol.', ['protocol']),
    queueFull: counter('send_queue_full_total', 'Connections whose outbound queue reached sendQueueLimit.', []),
    resumeRefused: counter('resume_refused_total', 'Session resumptions refused, per reason.', ['reason']),
    roomErrors: counter('room_errors_total', 'Failed operations of the rooms adapter, per error code.', ['code']),
  };
}
