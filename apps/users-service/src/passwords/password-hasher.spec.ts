import { PasswordHasher } from './password-hasher';

// OWASP Password Storage Cheat Sheet: argon2id with one of these equivalent settings
// (memory in KiB, iterations), parallelism 1; anything at or above one of them is as strong.
const OWASP_ARGON2ID_MINIMUMS = [
  { memoryKib: 47_104, iterations: 1 },
  { memoryKib: 19_456, iterations: 2 },
  { memoryKib: 12_288, iterations: 3 },
  { memoryKib: 9_216, iterations: 4 },
  { memoryKib: 7_168, iterations: 5 },
] as const;

// PHC string: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
const PHC = /^\$(argon2(?:id|i|d))\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

const base64Bytes = (text: string) => Buffer.from(text, 'base64').length;

describe('password hashes', () => {
  const hasher = new PasswordHasher();

  it('are argon2id (v1.3) with memory and iterations at or above OWASP’s recommendation', async () => {
    const stored = await hasher.hash('plinth-orbit-cascade-47');
    const [, algorithm, version, memory, iterations, parallelism, salt, digest] = PHC.exec(stored) ?? [];
    expect(algorithm).toBe('argon2id');
    expect(Number(version)).toBe(19);
    expect(Number(parallelism)).toBeGreaterThanOrEqual(1);
    const meets = OWASP_ARGON2ID_MINIMUMS.some(
      (minimum) => Number(memory) >= minimum.memoryKib && Number(iterations) >= minimum.iterations,
    );
    expect({ memory: Number(memory), iterations: Number(iterations), meets }).toMatchObject({ meets: true });
    expect(base64Bytes(salt!)).toBeGreaterThanOrEqual(16);
    expect(base64Bytes(digest!)).toBeGreaterThanOrEqual(32);
  });

  it('are salted: the same password never hashes the same twice', async () => {
    const [first, second] = await Promise.all([hasher.hash('same-password-twice-1'), hasher.hash('same-password-twice-1')]);
    expect(first).not.toBe(second);
    expect(await hasher.verify(first, 'same-password-twice-1')).toBe(true);
    expect(await hasher.verify(second, 'same-password-twice-1')).toBe(true);
  });

  it('never match a wrong password, a missing hash or a malformed one', async () => {
    const stored = await hasher.hash('the-right-password-9');
    expect(await hasher.verify(stored, 'the-wrong-password-9')).toBe(false);
    expect(await hasher.verify(null, 'the-right-password-9')).toBe(false);
    expect(await hasher.verify('$argon2id$not-a-hash', 'the-right-password-9')).toBe(false);
  });
});
