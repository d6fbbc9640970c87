// Compiles apps/ and libs/ to dist/ with SWC (the same options jest uses), rewriting
// the @warden/* path aliases to relative requires so `node dist/apps/<app>/src/main.js` runs,
// copies the Redis scripts (`.lua`) beside the code that loads them, then bundles the admin
// console (apps/console, a browser app) with Vite into dist/console, which the gateway serves
// at /console. Type checking is `npm run typecheck`; this step only transpiles and bundles.
import { createRequire } from 'node:module';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
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

async function* files(dir, wanted) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      // the console runs in a browser: Vite bundles it below
      if (entry.name !== 'node_modules' && full !== CONSOLE) yield* files(full, wanted);
    } else if (wanted(entry.name) && !isTest(full)) {
      yield full;
    }
  }
}
const isSource = (name) => name.endsWith('.ts') && !name.endsWith('.d.ts');
const isRedisScript = (name) => name.endsWith('.lua');

await rm(out, { recursive: true, force: true });
const options = { ...swcOptions(), swcrc: false, sourceMaps: true };
let count = 0;
let scripts = 0;
for (const top of ['apps', 'libs']) {
  for await (const file of files(path.join(root, top), isRedisScript)) {
    const target = path.join(out, path.relative(root, file));
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(file, target);
    scripts++;
  }
  for await (const file of files(path.join(root, top), isSource)) {
    const target = path.join(out, path.relative(root, file)).replace(/\.ts$/, '.js');
    const { code, map } = await swc.transformFile(file, { ...options, filename: file, outputPath: target });
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, `${code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
    if (map) await writeFile(`${target}.map`, map);
    count++;
  }
}
console.log(`built ${count} files and copied ${scripts} Redis scripts into ${path.relative(root, out)}/`);

const { build } = await import('vite');
await build({ configFile: path.join(CONSOLE, 'vite.config.mts'), logLevel: 'warn', build: { outDir: path.join(out, 'console') } });
console.log(`built the console into ${path.relative(root, path.join(out, 'console'))}/`);
