// Type-level checks of defineStack, compiled by `tsc -b` (the lines under @ts-expect-error must not compile).
import { z } from 'zod';
import { defineProtocol, defineStack, toAsyncApi, type AsyncApiDocument } from '@rxmsg/core';

const P = defineProtocol({ name: 'p', tag: 'kind', client: { A: z.object({}) }, server: { B: z.object({}) } });

export const ok = defineStack({ name: 's', stages: [{ name: 'a', protocol: P }, { name: 'b', protocol: { protocol: P }, next: 'words' }] });
export const doc: AsyncApiDocument = toAsyncApi(ok);
export const single: AsyncApiDocument = toAsyncApi(P, { servers: ['tcp://127.0.0.1:1'] });

// @ts-expect-error a stage needs a protocol
defineStack({ name: 's', stages: [{ name: 'a' }] });
// @ts-expect-error a protocol is not a stage list
defineStack({ name: 's', stages: P });
// @ts-expect-error `next` is words, not a stage reference
defineStack({ name: 's', stages: [{ name: 'a', protocol: P, next: 1 }] });
// @ts-expect-error toAsyncApi takes a protocol or a stack
toAsyncApi({ name: 'x' });
// @ts-expect-error the document is 3.0.0
export const wrong: AsyncApiDocument['asyncapi'] = '2.6.0';
