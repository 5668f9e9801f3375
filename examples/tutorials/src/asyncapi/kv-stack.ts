import { defineStack, toAsyncApi, type AsyncApiDocument } from '@rxmsg/node';
import { AuthProtocol, KvProtocol } from '../typed-stacks/kv-protocols';

/**
 * The wire view of the key-value server of docs/typed-stacks.md: log in (text), then the
 * key-value protocol (binary), on one connection. `next` says in words what the router does.
 */
export const KvStack = defineStack({
  name: 'kv',
  description: 'A key-value store behind a login.',
  stages: [
    { name: 'auth', protocol: AuthProtocol, next: 'the server sends Welcome: go to kv; after Denied the server closes' },
    { name: 'kv', protocol: KvProtocol },
  ],
});

/** The AsyncAPI 3.0.0 document of {@link KvStack}, served on `address`. */
export function kvAsyncApi(address: string): AsyncApiDocument {
  return toAsyncApi(KvStack, { version: '1.0.0', servers: [address], maxFrameBytes: 65_536 });
}
