import { map, take } from 'rxjs';
import { z } from 'zod';
import { createServer, defineProtocol, type ServerProcessor } from '@rxmsg/node';

/** The protocol of the README's handshake sample. */
export const Who = defineProtocol({
  name: 'who',
  tag: 'kind',
  client: { WhoAmI: z.object({}) },
  server: { You: z.object({ token: z.string().nullable(), cn: z.string().nullable() }) },
});

/** The README's handshake sample: what the transport learned, on `peer.handshake`. */
// #region handshake
const whoAmI: ServerProcessor<typeof Who> = (in$, peer) =>
  in$.pipe(
    take(1),
    map(() => {
      const token = peer.handshake?.http?.query['token']; // ws:// and wss://: path, query, headers
      const cn = peer.handshake?.tls?.peerCertificate?.subject['CN']; // tls:// and wss://: the client certificate
      return { kind: 'You', token: typeof token === 'string' ? token : null, cn: typeof cn === 'string' ? cn : null } as const;
    }),
  );
// #endregion

/** Start a WebSocket server answering `WhoAmI` from the handshake. */
export function startWhoServer(listen: string) {
  return createServer({ listen, protocol: Who, processor: whoAmI });
}
