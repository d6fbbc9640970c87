import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadRedisScript, scriptCommandOf } from './redis-scripts';

const scripts = path.join(__dirname, 'test');

describe('Redis script files', () => {
  it('names the command for the file and reads the key count from it', () => {
    expect(scriptCommandOf('verify-credential-4.lua')).toEqual({ name: 'wardenVerifyCredential', numberOfKeys: 4 });
    expect(scriptCommandOf('take-token-use-1.lua')).toEqual({ name: 'wardenTakeTokenUse', numberOfKeys: 1 });
    expect(scriptCommandOf('apply-projection-event.lua')).toEqual({ name: 'wardenApplyProjectionEvent', numberOfKeys: undefined });
    expect(scriptCommandOf('swap-v2-generation-3.lua')).toEqual({ name: 'wardenSwapV2Generation', numberOfKeys: 3 });
  });

  it('refuses a file named otherwise', () => {
    for (const name of ['VerifyCredential-4.lua', 'verify_credential-4.lua', 'verify-credential-4.txt', '4-verify.lua', 'verify--credential.lua']) {
      expect(() => scriptCommandOf(name)).toThrow(/kebab case/);
    }
  });

  it('puts an included file in place of its line, and refuses an include that loops', () => {
    const script = loadRedisScript(scripts, 'shout-twice-1.lua');
    expect(script).toMatchObject({ name: 'wardenShoutTwice', numberOfKeys: 1, file: path.join(scripts, 'shout-twice-1.lua') });
    expect(script.lua).toContain('local function shout(text) return string.upper(text) end\nreturn shout(ARGV[1])');
    expect(script.lua).not.toContain('@include');
    expect(() => loadRedisScript(scripts, 'includes-itself.lua')).toThrow(/includes itself/);
  });
});

describe("the repository's Redis scripts", () => {
  const root = path.resolve(__dirname, '../../..');

  function* filesUnder(dir: string, extension: string): Generator<string> {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') yield* filesUnder(full, extension);
      else if (entry.isFile() && entry.name.endsWith(extension)) yield full;
    }
  }

  it('are each loaded by the code beside them, or included by one that is, under the naming rule', () => {
    const scripts = [...filesUnder(path.join(root, 'apps'), '.lua'), ...filesUnder(path.join(root, 'libs'), '.lua')].filter((file) => !file.includes(`${path.sep}test${path.sep}`));
    expect(scripts.length).toBeGreaterThan(5);
    const loaded = new Set<string>();
    for (const dir of new Set(scripts.map((file) => path.dirname(file)))) {
      for (const source of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
        for (const match of readFileSync(path.join(dir, source), 'utf8').matchAll(/loadRedisScript\(__dirname, '([^']+)'\)/g)) loaded.add(path.join(dir, match[1]!));
      }
    }
    const included = new Set(
      [...loaded].flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/^--- @include "([^"]+)"/gm)].map((match) => path.resolve(path.dirname(file), match[1]!))),
    );
    for (const file of scripts) {
      expect(() => scriptCommandOf(path.basename(file))).not.toThrow();
      expect({ file: path.relative(root, file), used: loaded.has(file) || included.has(file) }).toEqual({ file: path.relative(root, file), used: true });
    }
    for (const file of loaded) expect(loadRedisScript(path.dirname(file), path.basename(file)).lua).not.toMatch(/@include/);
  });
});
