/**
 * The key-value example: a text login stacked over a binary key-value protocol with declared
 * requests, watches (request-streams) and a drop-oldest lane for notifications.
 * @packageDocumentation
 */
export { Auth, Kv } from './protocols';
export { startKvServer } from './server';
export type { KvState } from './server';
export { connectKv, kv } from './client';
