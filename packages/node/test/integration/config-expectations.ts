import { expect } from 'chai';
import { ConfigError } from '@rxmsg/node';

/** What `promise` rejects with; fails if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** What `f` throws; fails if it returns. */
export function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** `error` is a ConfigError naming `field`, with at least one problem listed. */
export function expectConfigError(error: unknown, field: string): void {
  expect(error).to.be.instanceOf(ConfigError);
  expect(error).to.include({ code: 'CONFIG_INVALID', field });
  expect((error as ConfigError).problems.length).to.be.above(0); // narrowed by the instanceOf assertion above
}
