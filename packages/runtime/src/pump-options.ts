import type { BaseConfig } from '@rxmsg/core';
import { FRAME_BUFFER_SLACK, type PumpOptions } from './inbound-pump';
import type { ByteMeter } from './outbound-queue';

/** The pump options made so far per config, one per `soon`/`meter` pair (a server has one pair). */
const cache = new WeakMap<BaseConfig, PumpOptions[]>();

/** Pairs kept per config: more are made afresh each time (a config shared by many servers with their own budgets). */
const MAX_PER_CONFIG = 8;

/**
 * The {@link PumpOptions} of a connection under `config`, with `soon` as its end-of-tick
 * scheduler (`undefined`: the default microtask) and `meter` as its memory budget: one frozen
 * object shared by every connection with the same three, rather than one per connection.
 * The cache holds the config weakly.
 */
export function pumpOptionsFor(config: BaseConfig, soon: ((work: () => void) => void) | undefined, meter: ByteMeter | undefined): PumpOptions {
  let list = cache.get(config);
  if (list === undefined) cache.set(config, (list = []));
  for (const o of list) if (o.soon === soon && o.meter === meter) return o;
  const options: PumpOptions = Object.freeze({
    validateFully: config.validation === 'full',
    receiveQueueLimit: config.receiveQueueLimit,
    maxBufferedBytes: config.maxFrameBytes + FRAME_BUFFER_SLACK,
    soon,
    meter,
  });
  if (list.length < MAX_PER_CONFIG) list.push(options);
  return options;
}
