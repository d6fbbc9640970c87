import fc from 'fast-check';
import { VerifyTokenBody, plainVerifyTokenBody } from '@warden/contracts';
import { validateDto } from './validation';

// The verify request's shortcut may only take what the full validation takes, as it takes it.
describe('plainVerifyTokenBody', () => {
  const text = (max: number) => fc.oneof(fc.string({ maxLength: 40 }), fc.integer({ min: max - 2, max: max + 2 }).map((length) => 'a'.repeat(length)));
  const value = fc.oneof(text(8192), fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }));
  const body = fc.oneof(
    fc.record({ token: text(8192), origin: text(2048) }, { requiredKeys: ['token'] }),
    fc.record(
      { token: fc.oneof(text(8192), value), origin: fc.oneof(text(2048), value), client_address: fc.oneof(fc.constantFrom('10.0.0.1', '::1', 'nope'), value), other: value },
      { requiredKeys: [] },
    ),
    value,
  );

  it('takes only what validateDto takes, with the same fields', async () => {
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(body, async (candidate) => {
        const plain = plainVerifyTokenBody(candidate);
        if (plain === null) return;
        taken++;
        const validated = await validateDto(VerifyTokenBody, candidate);
        expect({ ...plain }).toEqual({ ...validated });
      }),
      { numRuns: 1500 },
    );
    expect(taken).toBeGreaterThan(50);
  });

  it('takes the plain requests: a token, and a token with an origin', () => {
    expect(plainVerifyTokenBody({ token: 'wdn_p_x' })).toEqual({ token: 'wdn_p_x' });
    expect(plainVerifyTokenBody({ token: 'wdn_p_x', origin: 'https://a.example' })).toEqual({ token: 'wdn_p_x', origin: 'https://a.example' });
    expect(plainVerifyTokenBody({ token: 'wdn_p_x', client_address: '10.0.0.1' })).toBeNull();
    expect(plainVerifyTokenBody({ token: 'a'.repeat(8193) })).toBeNull();
  });
});
