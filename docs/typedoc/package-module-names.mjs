// @ts-check
/**
 * A TypeDoc plugin: names each entry module after the package entry it documents
 * (`packages/ws/src/browser.ts` -> `@rxmsg/ws/browser`), read from the nearest package.json's
 * `exports` (the `@rxmsg/source` condition), so the reference shows import specifiers instead of
 * folder paths and no `@module` tag has to be kept in sync in each src/index.ts.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Converter, ReflectionKind } from 'typedoc';

/** @param {string} file @returns {string | undefined} */
function specifierOf(file) {
  for (let dir = dirname(file), i = 0; i < 8; dir = dirname(dir), i++) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    const local = './' + relative(dir, file).split('\\').join('/');
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      const source = typeof target === 'object' && target !== null ? target['@rxmsg/source'] : undefined;
      if (source === local) return subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
    }
    return undefined;
  }
  return undefined;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const mod of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      const file = mod.sources?.[0]?.fullFileName;
      const name = file === undefined ? undefined : specifierOf(file);
      if (name === undefined) app.logger.warn(`package-module-names: no package export for module ${mod.name}`);
      else mod.name = name;
    }
  });
}
