import { VirtualAction, VirtualTimeScheduler, type SchedulerLike } from 'rxjs';
import { ConfigError, TimeoutError } from '@rxmsg/core';

/** Default of {@link VirtualClockOptions.maxSteps}. */
export const DEFAULT_MAX_VIRTUAL_STEPS = 100_000;

/** Rounds of `turns` a `runUntil` waits for real work when no timer is due before it fails. */
const IDLE_ROUNDS = 10;

/** Options of {@link virtualClock}. */
export interface VirtualClockOptions {
  /**
   * Real event-loop turns (`setImmediate`) let run before and after each virtual instant, so that
   * in-process I/O (the memory transport's microtasks, writes coalesced to the next turn) happens
   * between timers; 3 by default. Real sockets are not made deterministic by this: use the memory transport.
   */
  readonly turns?: number;
  /** Virtual instants one `advance`/`runUntil` call may visit before it fails (a timer that re-arms forever); 100 000 by default. */
  readonly maxSteps?: number;
}

/**
 * Virtual time for the session timers (heartbeats, idle and handshake timeouts, request
 * deadlines, reconnect backoff, close deadlines); see {@link virtualClock}.
 */
export interface VirtualClock {
  /** The scheduler to pass as the factories' `scheduler` option (and to `faultyTransport` for delays). */
  readonly scheduler: SchedulerLike;
  /** Virtual now, in ms from 0. */
  now(): number;
  /** Timers waiting. */
  readonly pending: number;
  /** Let real in-process work (microtasks, `setImmediate`) run, without moving virtual time. */
  settle(): Promise<void>;
  /**
   * Move virtual time forward by `ms`, firing each timer due on the way at its own instant, with
   * real in-process work settled between instants.
   * @throws {@link @rxmsg/core!TimeoutError} past `maxSteps` instants.
   */
  advance(ms: number): Promise<void>;
  /** Like {@link VirtualClock.advance}, to the absolute virtual time `ms` (no-op when it is past). */
  advanceTo(ms: number): Promise<void>;
  /**
   * Fire timers one instant at a time until `until` holds (a condition) or settles (a promise),
   * and resolve with the promise's value. Use it to await what waits for a virtual timer, such as
   * `server.close()` with a virtual scheduler.
   * @param maxMs - virtual time it may take; `Infinity` (the default) stops only when no timer is left.
   * @throws {@link @rxmsg/core!TimeoutError} when no timer is left, `maxMs` passed or `maxSteps` were taken first;
   *   rejects with the promise's reason when it rejects.
   */
  runUntil<T>(until: PromiseLike<T> | (() => boolean), maxMs?: number): Promise<T | undefined>;
}

/**
 * A virtual clock for tests of timed behaviour: its `scheduler` goes to `createServer`/`createClient`
 * (and `faultyTransport`), and the test moves time with `advance` instead of waiting. A test of "the
 * server closes an idle client after `idleTimeoutMs`" then runs in milliseconds and gives the same
 * result on a loaded machine. Built on rxjs's `VirtualTimeScheduler`; timers fire in time order, one
 * virtual instant at a time, with the real event loop turned a few times between instants so that
 * in-process I/O (the memory transport) keeps up.
 *
 * @throws {@link @rxmsg/core!ConfigError} for bad options.
 * @example
 * ```ts
 * const clock = virtualClock();
 * const { server, client, close } = await memoryPair({
 *   protocol: Echo, processor, config: { idleTimeoutMs: 30_000 }, scheduler: clock.scheduler,
 *   client: { processor: () => NEVER },
 * });
 * await clock.advance(30_000);                  // half a minute, at once
 * await clock.runUntil(client.closed);          // the server closed the idle client
 * await clock.runUntil(close());
 * ```
 */
export function virtualClock(options: VirtualClockOptions = {}): VirtualClock {
  const turns = options.turns ?? 3;
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_VIRTUAL_STEPS;
  const problems: string[] = [];
  if (!(Number.isSafeInteger(turns) && turns >= 0 && turns <= 1000)) problems.push(`turns: must be an integer from 0 to 1000, got ${turns}`);
  if (!(Number.isSafeInteger(maxSteps) && maxSteps > 0)) problems.push(`maxSteps: must be a positive integer, got ${maxSteps}`);
  if (problems.length > 0) throw new ConfigError('virtualClock', problems);
  const scheduler = new VirtualTimeScheduler(VirtualAction, 0);

  const settle = async (): Promise<void> => {
    for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  /** The instant of the next timer, if any. */
  const nextDue = (): number | undefined => scheduler.actions[0]?.delay;
  /** Fire every timer due at the next instant (and those they add for that instant), then settle. */
  const step = async (): Promise<void> => {
    scheduler.maxFrames = nextDue() ?? scheduler.frame;
    scheduler.flush();
    await settle();
  };
  const tooMany = (what: string): TimeoutError => new TimeoutError(`virtual clock: ${what} not reached within ${maxSteps} timer instants (a timer that re-arms forever?)`);

  const advanceTo = async (target: number): Promise<void> => {
    await settle();
    for (let steps = 0; ; steps++) {
      const due = nextDue();
      if (due === undefined || due > target) break;
      if (steps >= maxSteps) throw tooMany(`time ${target}`);
      await step();
    }
    if (target > scheduler.frame) scheduler.frame = target;
  };

  return {
    scheduler,
    now: () => scheduler.now(),
    get pending() {
      return scheduler.actions.length;
    },
    settle,
    advance: (ms) => advanceTo(scheduler.frame + ms),
    advanceTo,
    runUntil: async <T>(until: PromiseLike<T> | (() => boolean), maxMs = Number.POSITIVE_INFINITY): Promise<T | undefined> => {
      const deadline = scheduler.frame + maxMs;
      let outcome: { readonly value: T } | { readonly error: unknown } | undefined;
      const condition =
        typeof until === 'function'
          ? until
          : (Promise.resolve(until).then(
              (value) => void (outcome = { value }),
              (error: unknown) => void (outcome = { error }),
            ),
            () => outcome !== undefined);
      await settle();
      for (let steps = 0, idle = 0; !condition(); steps++) {
        const due = nextDue();
        // No timer is due in time: give real in-process work a few more rounds before giving up.
        if ((due === undefined || due > deadline) && idle++ < IDLE_ROUNDS) {
          await settle();
          continue;
        }
        if (due === undefined || due > deadline) {
          throw new TimeoutError(`virtual clock: condition not met ${due === undefined ? 'and no timer is left' : `within ${maxMs} virtual ms`} (now ${scheduler.frame})`);
        }
        if (steps >= maxSteps) throw tooMany('condition');
        idle = 0;
        await step();
      }
      if (outcome === undefined) return undefined;
      if ('error' in outcome) throw outcome.error;
      return outcome.value;
    },
  };
}
