import { randomUUID } from 'node:crypto';
import { InMemoryEventStore, NewEvent } from '@warden/event-store';
import { UnknownEventVersionError } from '@warden/kernel';
import { credentialOpsFor } from './credential-read-model.projection';

const issued = {
  tokenId: 't-1',
  organizationId: 'org-1',
  ownerId: 'u-1',
  name: 'ci',
  visibility: 'private',
  allowedOrigins: [],
  expiresAt: null,
  permissions: null,
  secretHash: 'a'.repeat(64),
  lastFour: 'abcd',
  issuedAt: '2025-01-01T00:00:00.000Z',
};
const started = { sessionId: 's-1', userId: 'u-1', organizationId: 'org-1', keyHash: 'b'.repeat(64), expiresAt: '2025-01-01T01:00:00.000Z', startedAt: '2025-01-01T00:00:00.000Z' };

async function projected(streamId: string, event: Omit<NewEvent, 'id' | 'metadata'>) {
  const store = new InMemoryEventStore();
  await store.append({ streamId, expectedVersion: 'no_stream', events: [{ id: randomUUID(), metadata: { correlationId: 'c-1' }, ...event }] });
  const [recorded] = await store.readStream(streamId);
  return credentialOpsFor(recorded!, store);
}

describe('the credential read model projection', () => {
  it('projects token and session events of the versions it knows', async () => {
    expect((await projected('token-t-1', { type: 'TokenIssued', schemaVersion: 1, data: issued })).map((op) => op.key)).toContain('token:t-1');
    expect(await projected('session-s-1', { type: 'SessionStarted', schemaVersion: 1, data: started })).toHaveLength(1);
  });

  it('refuses an event of a version newer than it knows, or of a type it does not know, rather than project it as its own', async () => {
    await expect(projected('token-t-1', { type: 'TokenIssued', schemaVersion: 2, data: issued })).rejects.toThrow(UnknownEventVersionError);
    await expect(projected('session-s-1', { type: 'SessionStarted', schemaVersion: 2, data: started })).rejects.toThrow(UnknownEventVersionError);
    await expect(projected('session-s-1', { type: 'SessionRenewed', schemaVersion: 1, data: started })).rejects.toThrow(UnknownEventVersionError);
  });
});
