import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleWebApp } from './web-bundle';

/**
 * The build step of the web page: bundle it with esbuild ({@link bundleWebApp}, the same bundle the
 * server serves) and write it to `dist/web/` (git-ignored), so the page can also be served by any
 * static file server. Run by the root `npm run build`.
 */
async function main(): Promise<void> {
  const out = join(__dirname, '..', 'dist', 'web');
  await mkdir(out, { recursive: true });
  const assets = await bundleWebApp();
  for (const [path, asset] of assets) await writeFile(join(out, path.slice(1)), asset.body);
  console.log(`web page bundled: ${[...assets.keys()].map((p) => p.slice(1)).join(', ')} in ${out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
