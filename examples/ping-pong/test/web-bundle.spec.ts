import { expect } from 'chai';
import { join } from 'node:path';
import { TextDecoder } from 'node:util';
import { WebBundleError, bundleWebApp } from '@rxmsg-examples/ping-pong';

/** The bundle's code per source file, from esbuild's `// path` comments (paths relative to the example). */
function sourcesOf(js: string): [string, string][] {
  const parts = js.split(/^\/\/ ((?:src|\.\.\/)[^\n]+\.[cm]?[jt]s)$/m);
  const out: [string, string][] = [];
  for (let i = 1; i < parts.length; i += 2) out.push([parts[i]!, parts[i + 1]!]);
  return out;
}

describe('web page bundle', function () {
  this.timeout(30_000);

  it('bundles the page for the browser with no Node built-in, from the shared browser-safe modules', async () => {
    // bundleWebApp fails on any import of a Node built-in (see the next test).
    const assets = await bundleWebApp();
    expect([...assets.keys()].sort()).to.deep.equal(['/app.js', '/app.js.map', '/favicon.svg', '/index.html', '/style.css']);
    const js = new TextDecoder().decode(assets.get('/app.js')!.body);
    const files = sourcesOf(js).map(([path]) => path);
    // The page runs the example's own logic, protocols and client processors, and rxmsg's browser parts.
    for (const shared of ['src/logic/umpire.ts', 'src/protocols.ts', 'src/client-processors.ts', 'src/game-processor.ts', 'src/match-client.ts']) {
      expect(files).to.include(shared);
    }
    expect(files.some((f) => f.endsWith('packages/ws/src/browser-ws-client-transport.ts'))).to.equal(true);
    for (const nodeOnly of ['src/server.ts', 'src/client.ts', 'src/web-server.ts', 'src/cli-args.ts']) expect(files).to.not.include(nodeOnly);
    expect(files.some((f) => f.includes('packages/node/') || f.includes('packages/tcp/') || f.includes('/node_modules/ws/'))).to.equal(false);
    // Nothing of the example's or rxmsg's own names Buffer: the browser has none.
    for (const [path, text] of sourcesOf(js)) if (!path.includes('node_modules')) expect(text, path).to.not.match(/\bBuffer\b/);
    const html = new TextDecoder().decode(assets.get('/index.html')!.body);
    expect(html).to.include('src="app.js"').and.include('href="style.css"');
  });

  it('refuses a page that imports a Node built-in, naming it', async () => {
    const error: unknown = await bundleWebApp({ entry: join(__dirname, 'fixtures', 'node-entry.ts') }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(WebBundleError);
    const builtins = (error as WebBundleError).nodeBuiltins;
    expect(builtins.length).to.be.greaterThan(0);
    expect(builtins.some((b) => b.startsWith('node:http '))).to.equal(true);
  });
});
