import { isUUID } from 'class-validator';
import { idempotentId } from './request-context';

describe('idempotentId', () => {
  const fingerprint = 'a'.repeat(64);

  it('gives the same id for the same fingerprint and command, so a retry finds the entity', () => {
    expect(idempotentId(fingerprint, 'tokens.issue')).toBe(idempotentId(fingerprint, 'tokens.issue'));
  });

  it('gives distinct ids to distinct fingerprints and to the commands of one request', () => {
    const id = idempotentId(fingerprint, 'tokens.issue');
    expect(idempotentId('b'.repeat(64), 'tokens.issue')).not.toBe(id);
    expect(idempotentId(fingerprint, 'users.create')).not.toBe(id);
    // The separator keeps fingerprint and command apart.
    expect(idempotentId('ab', 'c')).not.toBe(idempotentId('a', 'bc'));
  });

  it('is a version 8 UUID with the RFC 9562 variant, accepted where ids are validated', () => {
    for (const command of ['tokens.issue', 'tokens.exchange', 'users.create']) {
      const id = idempotentId(fingerprint, command);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(isUUID(id)).toBe(true);
    }
  });
});
