// rsocket-tcp-client 0.0.27 ships Flow types only and DefinitelyTyped has none: the part the bench uses.
declare module 'rsocket-tcp-client' {
  import type { TcpNetConnectOpts } from 'node:net';
  import type { Encoders } from 'rsocket-core';
  import type { DuplexConnection, Encodable } from 'rsocket-types';

  /** A client-side DuplexConnection over `net.connect(options)`, made when the RSocketClient connects. */
  export default class RSocketTcpClient {
    constructor(options: TcpNetConnectOpts, encoders?: Encoders<Encodable>);
  }
  // Declaration merging: the class implements DuplexConnection.
  export default interface RSocketTcpClient extends DuplexConnection {}
}
