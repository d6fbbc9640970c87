// Compiles apps/ and libs/ to dist/ with SWC (the same options jest uses), rewriting
// the @warden/* path aliases to relative requires so `node dist/apps/<app>/src/main.js` runs,
// then bundles the admin console (apps/console, a browser app) with Vite into dist/console,
// which the gateway serves at /console. Type checking is `npm run typecheck`; this step only
// transpiles and bundles, in a few seconds.
import { createRequire } from 'node:module';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const swc = require('@swc/core');
const swcOptions = require('./swc-options.cjs');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// WARDEN_DIST builds elsewhere (a folder under the root, so node_modules still resolves).
const out = path.resolve(root, process.env.WARDEN_DIST ?? 'dist');
const CONSOLE = path.join(root, 'apps/console');
const isTest = (file) => /\.(spec|int-spec|e2e-spec)\.ts$/.test(file) || file.includes(`${path.sep}test${path.sep}`);

async function* sources(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      // the console runs in a browser: Vite bundles it below
      if (entry.name !== 'node_modules' && full !== CONSOLE) yield* sources(full);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !isTest(full)) {
      yield full;
    }
  }
}

await rm(out, { recursive: true, force: true });
const options = { ...swcOptions(), swcrc: false, sourceMaps: true };
let count = 0;
for (const top of ['apps', 'libs']) {
  for await (const file of sources(path.join(root, top))) {
    const target = path.join(out, path.relative(root, file)).replace(/\.ts$/, '.js');
    const { code, map } = await swc.transformFile(file, { ...options, filename: file, outputPath: target });
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, `${code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
    if (map) await writeFile(`${target}.map`, map);
    count++;
  }
}
console.log(`built ${count} files into ${path.relative(root, out)}/`);

const { build } = await import('vite');
await build({ configFile: path.join(CONSOLE, 'vite.config.mts'), logLevel: 'warn', build: { outDir: path.join(out, 'console') } });
console.log(`built the console into ${path.relative(root, path.join(out, 'console'))}/`);
