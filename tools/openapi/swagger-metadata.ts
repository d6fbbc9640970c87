// The gateway is compiled by SWC, which runs no TypeScript transformers, so @nestjs/swagger's
// CLI plugin cannot annotate the classes as they compile. Its read-only visitor does the same
// reading ahead of time: the types, optionality and doc comments of the contracts' bodies and
// views, and each route's answer type, printed as a module the gateway loads with
// SwaggerModule.loadPluginMetadata. `npm run generate:api` writes it; a unit test fails when
// the file differs from what the code implies.
import { ReadonlyVisitor } from '@nestjs/swagger/plugin';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
export const SWAGGER_METADATA_FILE = path.join(ROOT, 'apps/gateway/src/openapi/swagger-metadata.generated.ts');

// The files the API description reads: the gateway's controllers and its own bodies, and the contracts.
const SOURCES = [/\/apps\/gateway\/src\/.*\.(controller|dto|query)\.ts$/, /\/libs\/contracts\/src\/[\w-]+\.ts$/];
const NOT_SOURCES = /\.(spec|int-spec|e2e-spec)\.ts$/;
// A relative import of a contracts file becomes the library's one alias.
const CONTRACTS_FILE = /^(\.\.\/)+libs\/contracts\/src\/[\w-]+$/;

type Meta = ts.Node | Meta[] | { [key: string]: Meta };

export function renderSwaggerMetadata(): string {
  const visitor = new ReadonlyVisitor({
    pathToSource: path.dirname(SWAGGER_METADATA_FILE),
    dtoFileNameSuffix: ['libs/contracts/src/', '.dto.ts', '.query.ts'],
    controllerFileNameSuffix: ['.controller.ts'],
    // Constraints come from the validators at run time instead (validation-schema.ts): the shim
    // reads only literal arguments and puts `{ each: true }` constraints on the array itself.
    classValidatorShim: false,
    introspectComments: true,
    // A route's doc comment is its description; its summary is the @ApiOperation beside it.
    controllerKeyOfComment: 'description',
  });
  const program = ReadonlyVisitor.createTsProgram(path.join(ROOT, 'tsconfig.json'));
  const files = program
    .getSourceFiles()
    .filter((file) => SOURCES.some((pattern) => pattern.test(file.fileName)) && !NOT_SOURCES.test(file.fileName))
    .sort((a, b) => a.fileName.localeCompare(b.fileName));
  for (const file of files) visitor.visit(program, file);

  const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
  const host = ts.createSourceFile('metadata.ts', '', ts.ScriptTarget.ES2022);
  const moduleOf = (specifier: string) => (CONTRACTS_FILE.test(specifier) ? '@warden/contracts' : specifier);
  const aliased = (code: string) => code.replace(/(["'])((?:\.\.\/)+libs\/contracts\/src\/[\w-]+)\1/g, '"@warden/contracts"');
  // One line per class member, the rest laid out by hand: the file is read in reviews.
  const print = (value: Meta, depth: number): string => {
    const indent = '  '.repeat(depth);
    if (isNode(value)) {
      const node = ts.isObjectLiteralExpression(value) ? ts.factory.createObjectLiteralExpression(value.properties, true) : value;
      return aliased(printer.printNode(ts.EmitHint.Unspecified, node, host)).replace(/\n/g, `\n${indent}`);
    }
    const [open, close, entries] = Array.isArray(value)
      ? ['[', ']', value.map((child) => print(child, depth + 1))]
      : ['{', '}', Object.entries(value).map(([key, child]) => `${JSON.stringify(key)}: ${print(child, depth + 1)}`)];
    return entries.length === 0 ? `${open}${close}` : `${open}\n${entries.map((entry) => `${indent}  ${entry},`).join('\n')}\n${indent}${close}`;
  };
  const collected = visitor.collect() as unknown as Record<'models' | 'controllers', [ts.CallExpression, Record<string, Meta>][]>;
  // Modules are imported statically and named in order: a dynamic import would make Nx take the
  // contracts for a lazy-loaded library, which the rest of the gateway imports statically.
  const modules = new Map<string, string>();
  const nameOf = (specifier: string) => {
    if (!modules.has(specifier)) modules.set(specifier, `module${modules.size}`);
    return modules.get(specifier)!;
  };
  const byModule = (entries: [ts.CallExpression, Record<string, Meta>][]): Meta[] => {
    const merged = new Map<string, Record<string, Meta>>();
    for (const [call, classes] of entries) {
      const specifier = moduleOf((call.arguments[0] as ts.StringLiteral).text);
      merged.set(specifier, { ...merged.get(specifier), ...classes });
    }
    return [...merged].map(([specifier, classes]) => [ts.factory.createIdentifier(nameOf(specifier)), classes]);
  };
  const typeImports = [...new Set(Object.keys(visitor.typeImports).map(moduleOf))].sort();
  const types = typeImports.map((specifier) => `    ${JSON.stringify(specifier)}: ${nameOf(specifier)},`);
  const metadata = { '@nestjs/swagger': { models: byModule(collected.models), controllers: byModule(collected.controllers) } };
  const body = print(metadata as unknown as Meta, 1);
  const imports = [...modules].map(([specifier, name]) => `import * as ${name} from ${JSON.stringify(specifier)};`);
  return `// Generated by \`npm run generate:api\` (tools/openapi/swagger-metadata.ts): do not edit.
${imports.join('\n')}

export default async () => {
  const t = {
${types.join('\n')}
  };
  return ${body};
};
`;
}

function isNode(value: Meta): value is ts.Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as ts.Node).kind === 'number' && 'pos' in value;
}
