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
