// Nx builds and tests only what project.json files and jest.config.js files declare: a project
// added without them would be missing from dist/ (and fail only when a service starts) or left
// out of `nx affected -t test`. These checks hold every project to it, later ones included.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

interface ProjectJson {
  name: string;
  tags?: string[];
  targets?: Record<string, { executor?: string; options?: { main?: string } }>;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as T;
}

function filesUnder(folder: string, wanted: (name: string) => boolean): string[] {
  return readdirSync(path.join(ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(relative, wanted);
    return wanted(entry.name) ? [relative] : [];
  });
}

const PROJECT_ROOTS = ['apps', 'libs'].flatMap((top) => filesUnder(top, (name) => name === 'project.json')).map((file) => path.dirname(file));

describe('the workspace targets', () => {
  it('finds the projects', () => {
    expect(PROJECT_ROOTS).toEqual(expect.arrayContaining(['apps/gateway', 'libs/tokens/verifier']));
  });

  it('compiles with the path aliases TypeScript resolves (.swcrc repeats tsconfig.base.json)', () => {
    const swcrc = readJson<{ jsc: { baseUrl: string; paths: unknown } }>('.swcrc');
    const tsconfig = readJson<{ compilerOptions: { baseUrl: string; paths: unknown } }>('tsconfig.base.json');
    expect(swcrc.jsc.baseUrl).toBe(tsconfig.compilerOptions.baseUrl);
    expect(swcrc.jsc.paths).toEqual(tsconfig.compilerOptions.paths);
  });

  it.each(PROJECT_ROOTS)('%s has a build target, unless it holds only test helpers', (root) => {
    const project = readJson<ProjectJson>(path.join(root, 'project.json'));
    const build = project.targets?.['build'];
    if (project.tags?.includes('type:testing')) {
      // Nothing ships it, and the libraries' specs import it as it imports them: Nx's graph
      // counts spec imports, so a build target here would make `^build` circular.
      expect(build).toBeUndefined();
      return;
    }
    expect(build).toBeDefined();
    if (build?.executor === '@nx/js:swc') expect(existsSync(path.join(ROOT, build.options?.main ?? '(no main)'))).toBe(true);
  });

  it.each(PROJECT_ROOTS)('%s has a test target when it has unit tests', (root) => {
    const hasUnitTests = filesUnder(root, (name) => name.endsWith('.spec.ts')).length > 0;
    expect(existsSync(path.join(ROOT, root, 'jest.config.js'))).toBe(hasUnitTests);
  });
});
