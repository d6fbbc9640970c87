import { RecordedEvent } from '@warden/event-store';
import { InvalidPublishedEventError, decodePublishedEvent, encodePublishedEvent, eventSubject, serviceEventsFilter } from './published-event';

const recorded: RecordedEvent = {
  id: '0f6c1e7a-1b2c-4d5e-8f90-123456789abc',
  type: 'organization-created',
  schemaVersion: 2,
  data: { organizationId: 'org_1', name: 'Acme', tags: ['a', 'b'], nested: { n: 1, ok: true, none: null } },
  metadata: { correlationId: 'corr-1', actorId: 'user_1', actorType: 'user', organizationId: 'org_1' },
  streamId: 'organization-org_1',
  version: 3,
  position: '0000000000000042',
  recordedAt: '2025-01-02T03:04:05.678Z',
};

describe('published event wire format', () => {
  it('round-trips a recorded event and adds the service', () => {
    const decoded = decodePublishedEvent(encodePublishedEvent(recorded, 'users'));
    expect(decoded).toEqual({ ...recorded, service: 'users' });
  });

  it('reads an event published before events had schema versions as version 1', () => {
    const { schemaVersion: _schemaVersion, ...unversioned } = recorded;
    expect(decodePublishedEvent(encode({ ...unversioned, service: 'users' }))).toEqual({ ...recorded, schemaVersion: 1, service: 'users' });
  });

  it('drops fields that are not part of a recorded event', () => {
    const withExtra = { ...recorded, secretColumn: 'x' } as RecordedEvent;
    expect(decodePublishedEvent(encodePublishedEvent(withExtra, 'users'))).not.toHaveProperty('secretColumn');
  });

  it.each([
    ['not JSON', new TextEncoder().encode('{nope')],
    ['an array', new TextEncoder().encode('[]')],
    ['no id', encode({ ...recorded, service: 'users', id: undefined })],
    ['a zero version', encode({ ...recorded, service: 'users', version: 0 })],
    ['a fractional version', encode({ ...recorded, service: 'users', version: 1.5 })],
    ['a zero schema version', encode({ ...recorded, service: 'users', schemaVersion: 0 })],
    ['a schema version that is not a number', encode({ ...recorded, service: 'users', schemaVersion: '2' })],
    ['no service', encode({ ...recorded })],
    ['data that is not an object', encode({ ...recorded, service: 'users', data: 'x' })],
    ['no correlation id', encode({ ...recorded, service: 'users', metadata: {} })],
  ])('rejects a payload with %s', (_label, payload) => {
    expect(() => decodePublishedEvent(payload)).toThrow(InvalidPublishedEventError);
  });

  it('builds subjects from prefix, service and type', () => {
    expect(eventSubject('events', 'users', 'user-created')).toBe('events.users.user-created');
    expect(eventSubject('t_abc.events', 'tokens', 'token-revoked')).toBe('t_abc.events.tokens.token-revoked');
    expect(serviceEventsFilter('events', 'users')).toBe('events.users.>');
  });

  it.each([
    ['events', 'users', 'user.created'],
    ['events', 'users', 'user-*'],
    ['events', 'us ers', 'x'],
    ['events.', 'users', 'x'],
    ['events.>', 'users', 'x'],
    ['', 'users', 'x'],
  ])('refuses a subject that would break routing: %s %s %s', (prefix, service, type) => {
    expect(() => eventSubject(prefix, service, type)).toThrow(/invalid/);
  });
});

function encode(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
