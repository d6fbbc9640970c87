import { randomBytes } from 'node:crypto';
import { SECRET_BODY_LENGTH, parseSecret } from '@warden/contracts';
import { generateSecret } from './secret';

describe('generateSecret', () => {
  it('mints a secret that parses as its kind', () => {
    const session = generateSecret('session', randomBytes);
    expect(session).toMatch(/^wdn_s_[0-9A-Za-z]{38}$/);
    expect(parseSecret(session)).toEqual({ kind: 'session', secret: session });
    expect(parseSecret(generateSecret('api_token', randomBytes))?.kind).toBe('api_token');
  });

  it('is a pure function of its random bytes', () => {
    const fixed = (size: number) => Uint8Array.from({ length: size }, (_, i) => i);
    expect(generateSecret('session', fixed)).toBe(generateSecret('session', fixed));
    expect(generateSecret('session', fixed).slice(6, 6 + SECRET_BODY_LENGTH)).toBe('0123456789ABCDEFGHIJKLMNOPQRSTUV');
  });

  it('drops the bytes that would bias the alphabet and asks for more', () => {
    const calls: number[] = [];
    // First call: only bytes of 248 and above (all dropped) but two; then every byte usable.
    const source = (size: number) => {
      calls.push(size);
      return calls.length === 1
        ? Uint8Array.from({ length: size }, (_, i) => (i < 2 ? 61 : 248 + (i % 8)))
        : Uint8Array.from({ length: size }, () => 0);
    };
    const secret = generateSecret('session', source);
    expect(calls.length).toBe(2);
    expect(secret.slice(6, 6 + SECRET_BODY_LENGTH)).toBe(`zz${'0'.repeat(30)}`);
  });

  it('does not repeat across many draws', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => generateSecret('session', randomBytes)));
    expect(seen.size).toBe(1000);
  });
});
