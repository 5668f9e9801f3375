import type { BaseConfig } from './config';
import { ConfigError } from './errors';
import type { AnyProtocol, Side } from './protocol';

/**
 * Check, once at creation, that every lane the messages side `side` sends are put in (by each
 * protocol's `lanes`) is configured in `config.lanes`, so that no message meets an unknown lane at
 * run time.
 *
 * @param side - the side that sends (its own messages are checked; the other side's are not its business).
 * @param config - the resolved config of that side.
 * @param protocols - every protocol the side may speak.
 * @throws {@link ConfigError} with field `lanes.<name>` for the first lane that is not configured.
 * @example
 * ```ts
 * checkLanes('server', resolveConfig('server', { lanes: { notify: { limit: 100, policy: 'drop-oldest' } } }), [Watch]);
 * ```
 */
export function checkLanes(side: Side, config: Pick<BaseConfig, 'lanes'>, protocols: Iterable<AnyProtocol>): void {
  for (const protocol of protocols) {
    const sent = side === 'server' ? protocol.server : protocol.client;
    const names = new Set(sent.names);
    for (const [message, lane] of Object.entries(protocol.lanes)) {
      if (!names.has(message) || Object.hasOwn(config.lanes, lane)) continue;
      throw new ConfigError(`lanes.${lane}`, [
        `protocol ${protocol.name} puts message ${message} in lane "${lane}", which config.lanes does not define`,
      ]);
    }
  }
}
