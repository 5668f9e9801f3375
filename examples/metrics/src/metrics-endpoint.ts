import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP listener serving `/metrics` (404 elsewhere), as both examples run it. */
export interface MetricsEndpoint {
  /** `http://127.0.0.1:<port>/metrics`. */
  readonly url: string;
  /** Stop listening and drop open scrapes. */
  close(): Promise<void>;
}

/**
 * Serve what `render` produces on `http://127.0.0.1:<port>/metrics` (port 0: any free port), with
 * `contentType`; a render that fails answers 500.
 */
export async function serveMetrics(render: () => Promise<string>, contentType: string, port = 0): Promise<MetricsEndpoint> {
  const http = createHttpServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    render().then(
      (text) => res.writeHead(200, { 'content-type': contentType }).end(text),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', () => (http.off('error', reject), resolve()));
  });
  const bound = (http.address() as AddressInfo).port; // listening on TCP: an AddressInfo, not a pipe name
  return {
    url: `http://127.0.0.1:${bound}/metrics`,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
