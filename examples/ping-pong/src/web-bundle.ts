import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { basename, join } from 'node:path';
import { build, type Plugin } from 'esbuild';

/** The example's folder (this file is in `src/` or, compiled, in `dist/`). */
const PACKAGE_ROOT = join(__dirname, '..');

/** Where the web page's sources are: `app.ts` (its entry), `index.html`, `style.css`, `favicon.svg`. */
export const WEB_SOURCE_DIR = join(PACKAGE_ROOT, 'src', 'web');

/** One file of the web page, ready to serve. */
export interface WebAsset {
  readonly contentType: string;
  readonly body: Uint8Array;
}

/** The page's files served as they are, with their content types. */
const STATIC_FILES: readonly (readonly [string, string])[] = [
  ['index.html', 'text/html; charset=utf-8'],
  ['style.css', 'text/css; charset=utf-8'],
  ['favicon.svg', 'image/svg+xml'],
];

/** The web page's files by URL path: `/index.html`, `/app.js`, `/app.js.map`, `/style.css`, `/favicon.svg`. */
export type WebAssets = ReadonlyMap<string, WebAsset>;

/** The web page could not be bundled: a compile error, or an import the browser does not have. */
export class WebBundleError extends Error {
  override readonly name = 'WebBundleError';

  /**
   * @param message - what failed.
   * @param nodeBuiltins - the Node built-ins the page imports, each with its importer (none for other failures).
   * @param options - the underlying esbuild error as `cause`.
   */
  constructor(
    message: string,
    readonly nodeBuiltins: readonly string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const NODE_BUILTINS = new Set(builtinModules);

/** An esbuild plugin that fails the build on any import of a Node built-in, and records each one. */
function nodeBuiltinGuard(found: string[]): Plugin {
  return {
    name: 'node-builtin-guard',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.startsWith('node:') ? args.path.slice('node:'.length) : args.path.split('/')[0]!;
        if (!args.path.startsWith('node:') && !NODE_BUILTINS.has(bare)) return undefined;
        found.push(`${args.path} (imported by ${args.importer})`);
        return { errors: [{ text: `Node built-in "${args.path}" in the browser bundle` }] };
      });
    },
  };
}

/** Options of {@link bundleWebApp}. */
export interface BundleWebAppOptions {
  /** The page's entry module; `src/web/app.ts` by default. Tests pass another one. */
  readonly entry?: string;
}

/**
 * Bundle the web page in memory with esbuild: its entry for the browser (ESM, the workspace's
 * `@rxmsg/source` condition, so the packages' TypeScript sources go in, not a prior build), with a
 * linked source map, plus `index.html`, `style.css` and `favicon.svg` as they are. Any import of a Node built-in
 * fails the bundle. Takes a few hundred ms; {@link webAssets} caches it.
 *
 * @param options - another entry module, for tests.
 * @returns the page's files by URL path.
 * @throws {@link WebBundleError} (rejected promise) when esbuild fails or the page imports a Node built-in.
 * @example
 * ```ts
 * const assets = await bundleWebApp();
 * assets.get('/app.js')?.body.length;
 * ```
 */
export async function bundleWebApp(options: BundleWebAppOptions = {}): Promise<WebAssets> {
  const entry = options.entry ?? join(WEB_SOURCE_DIR, 'app.ts');
  const found: string[] = [];
  let outputs;
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      conditions: ['@rxmsg/source'],
      absWorkingDir: PACKAGE_ROOT,
      // Only names the outputs: nothing is written.
      outdir: join(PACKAGE_ROOT, 'dist', 'web'),
      entryNames: 'app',
      sourcemap: 'linked',
      write: false,
      logLevel: 'silent',
      plugins: [nodeBuiltinGuard(found)],
    });
    outputs = result.outputFiles;
  } catch (error) {
    const message = found.length > 0 ? `the web page imports Node built-ins: ${found.join(', ')}` : `cannot bundle the web page: ${String(error)}`;
    throw new WebBundleError(message, found, { cause: error });
  }
  const assets = new Map<string, WebAsset>();
  for (const file of outputs) {
    const name = basename(file.path);
    assets.set(`/${name}`, { contentType: name.endsWith('.map') ? 'application/json' : 'text/javascript; charset=utf-8', body: file.contents });
  }
  for (const [name, contentType] of STATIC_FILES) assets.set(`/${name}`, { contentType, body: await readFile(join(WEB_SOURCE_DIR, name)) });
  return assets;
}

let cached: Promise<WebAssets> | undefined;

/**
 * The web page's files, bundled on first use by {@link bundleWebApp} and kept for the life of the
 * process (a failed bundle is not kept: the next call tries again).
 * @throws {@link WebBundleError} (rejected promise) as {@link bundleWebApp}.
 */
export function webAssets(): Promise<WebAssets> {
  if (cached === undefined) {
    const pending = bundleWebApp();
    cached = pending;
    pending.catch(() => {
      if (cached === pending) cached = undefined;
    });
  }
  return cached;
}
