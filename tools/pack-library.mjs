#!/usr/bin/env node
// Stages a workspace library as an npm package that works alone:
//   node tools/pack-library.mjs libs/tokens/verifier [--out <dir>]   (default dist/packages/<name>)
// then `npm pack <dir>`. What goes in is what the library's entry imports, followed through
// the @warden/* aliases: every workspace library it reaches today or later is compiled into
// the package under its repository path (JS by SWC with the build's options, the aliases
// rewritten to relative requires; declarations by TypeScript, the same rewrite), with the Redis
// scripts (`.lua`) of the folders its sources come from. The staging
// fails on a type error, and on an import of a package that the library's package.json does
// not declare, so the tarball never needs the workspace beside it.
import { createRequire, isBuiltin } from 'node:module';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ts = require('typescript');
const swc = require('@swc/core');
const swcOptions = require('./swc-options.cjs');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const library = args[0];
if (!library || library.startsWith('-')) fail('usage: node tools/pack-library.mjs <library folder> [--out <dir>]');
const libraryDir = path.resolve(root, library);
const manifest = JSON.parse(await readFile(path.join(libraryDir, 'package.json'), 'utf8'));
const outIndex = args.indexOf('--out');
const out = outIndex > 0 ? path.resolve(args[outIndex + 1]) : path.join(root, 'dist/packages', manifest.name.split('/').pop());

function fail(message) {
  console.error(`pack-library: ${message}`);
  process.exit(1);
}

// The TypeScript program rooted at the library's entry: its files are the package's sources.
const { options: compilerOptions, errors } = ts.convertCompilerOptionsFromJson(
  JSON.parse(await readFile(path.join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions,
  root,
);
if (errors.length > 0) fail(ts.flattenDiagnosticMessageText(errors[0].messageText, '\n'));
// Rooted at src/index.ts and at the source of every other entry the manifest exports (its
// declarations, `./<library>/src/<entry>.d.ts`, name it).
const exportEntries = Object.values(manifest.exports ?? {}).filter((entry) => typeof entry === 'object');
const entrySources = exportEntries
  .map((entry) => entry.types)
  .filter((types) => typeof types === 'string' && types.endsWith('.d.ts'))
  .map((types) => path.join(root, types.replace(/\.d\.ts$/, '.ts')));
const program = ts.createProgram([...new Set([path.join(libraryDir, 'src/index.ts'), ...entrySources])], {
  ...compilerOptions,
  types: ['node'],
  noEmit: false,
  declaration: true,
  emitDeclarationOnly: true,
  sourceMap: false,
  rootDir: root,
  outDir: out,
});
const diagnostics = ts.getPreEmitDiagnostics(program);
if (diagnostics.length > 0) {
  fail(`type errors:\n${ts.formatDiagnosticsWithColorAndContext(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' })}`);
}
const sources = program
  .getSourceFiles()
  .filter((file) => !file.isDeclarationFile && !file.fileName.includes('/node_modules/'))
  .map((file) => path.resolve(file.fileName));

// Each alias resolves to a library's index.ts; in the package that is a path relative to the importer.
const aliases = Object.fromEntries(Object.entries(compilerOptions.paths ?? {}).map(([alias, [target]]) => [alias, path.resolve(root, target)]));
const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
const undeclared = new Set();

function packageNameOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

// Rewrites an alias to a relative path, and notes a third-party import the manifest lacks.
function resolveSpecifier(specifier, sourceFile) {
  const target = aliases[specifier];
  if (target) {
    const relative = path.relative(path.dirname(sourceFile), target).replace(/\.ts$/, '').split(path.sep).join('/');
    return relative.startsWith('.') ? relative : `./${relative}`;
  }
  if (specifier.startsWith('@warden/')) fail(`${path.relative(root, sourceFile)} imports ${specifier}, which no alias names`);
  if (!specifier.startsWith('.') && !isBuiltin(specifier) && !declared.has(packageNameOf(specifier))) {
    undeclared.add(`${packageNameOf(specifier)} (imported by ${path.relative(root, sourceFile)})`);
  }
  return specifier;
}

const SPECIFIERS = /(\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s*)(['"])([^'"]+)\2/gm;
const rewriteSpecifiers = (code, sourceFile) =>
  code.replace(SPECIFIERS, (_match, before, quote, specifier) => `${before}${quote}${resolveSpecifier(specifier, sourceFile)}${quote}`);

await rm(out, { recursive: true, force: true });
const outputOf = (source, extension) => path.join(out, path.relative(root, source)).replace(/\.ts$/, extension);
const write = async (file, text) => {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
};

for (const source of sources) {
  const { code } = await swc.transformFile(source, { ...swcOptions(), swcrc: false, sourceMaps: false, filename: source });
  // SWC has already made the aliases relative; this pass only checks the third-party imports.
  await write(outputOf(source, '.js'), rewriteSpecifiers(code, source));
}

// The scripts a source loads at run time (loadRedisScript) sit in its own folder.
let scripts = 0;
for (const dir of new Set(sources.map((source) => path.dirname(source)))) {
  for (const name of (await readdir(dir)).filter((entry) => entry.endsWith('.lua'))) {
    const target = path.join(out, path.relative(root, dir), name);
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(path.join(dir, name), target);
    scripts++;
  }
}

const pendingDeclarations = [];
const emitted = program.emit(undefined, (fileName, text, _bom, _onError, sourceFiles) => {
  const source = path.resolve(sourceFiles?.[0]?.fileName ?? fileName);
  pendingDeclarations.push(write(fileName, rewriteSpecifiers(text, source)));
});
await Promise.all(pendingDeclarations);
if (emitted.emitSkipped) fail('TypeScript emitted no declarations');
if (undeclared.size > 0) fail(`imports not declared in ${path.relative(root, libraryDir)}/package.json:\n  ${[...undeclared].join('\n  ')}`);

// The manifest, the README and the entry files beside them (package-entry*.cjs).
const entryFiles = [manifest.main, ...exportEntries.map((entry) => entry.default)].filter((file) => typeof file === 'string' && !path.normalize(file).includes(path.sep));
for (const file of new Set(['package.json', 'README.md', ...entryFiles])) {
  await copyFile(path.join(libraryDir, file), path.join(out, file));
}
// Every file the manifest points at must be in the package.
const targets = [manifest.main, manifest.types, ...Object.values(manifest.exports ?? {}).flatMap((entry) => (typeof entry === 'string' ? [entry] : Object.values(entry)))];
for (const target of targets.filter(Boolean)) {
  if (!existsSync(path.join(out, target))) fail(`package.json points at ${target}, which the package lacks`);
}
console.log(`staged ${manifest.name}@${manifest.version} (${sources.length} sources, ${scripts} Redis scripts) in ${path.relative(process.cwd(), out) || '.'}`);
