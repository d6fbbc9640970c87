import { UsersSubjects } from '@warden/contracts';
import pino from 'pino';
import { prefixSubject } from './nats-subject';
import { WardenNatsClient } from './warden-nats-client';
import { WardenNatsServer } from './warden-nats-server';

const handler = Object.assign(async () => 'ok', {});

function server(prefix: string) {
  return new WardenNatsServer({
    servers: ['nats://127.0.0.1:1'],
    subjectPrefix: prefix,
    queue: 'users',
    logger: pino({ level: 'silent' }),
  });
}

describe('prefixSubject', () => {
  it('puts the prefix before the pattern', () => {
    expect(prefixSubject('warden', UsersSubjects.createOrganization)).toBe(
      'warden.users.organizations.create',
    );
    expect(prefixSubject('test.t_1a2b', 'users.organizations.get')).toBe(
      'test.t_1a2b.users.organizations.get',
    );
  });
});

describe('WardenNatsServer', () => {
  it('subscribes each handler under the prefix, once', () => {
    const nats = server('warden');
    nats.addHandler(UsersSubjects.createOrganization, handler);
    expect([...nats.getHandlers().keys()]).toEqual(['warden.users.organizations.create']);
  });

  it('routes an incoming subject to its handler without prefixing it again', () => {
    const nats = server('warden');
    nats.addHandler(UsersSubjects.createOrganization, handler);
    // Nest routes a message by re-normalizing the subject it arrived on.
    expect(nats.getHandlerByPattern('warden.users.organizations.create')).toBe(handler);
    expect(nats.getHandlerByPattern('warden.warden.users.organizations.create')).toBeNull();
    expect(nats.getHandlerByPattern('users.organizations.create')).toBeNull();
  });

  it('keeps a prefix that repeats the first token of the pattern', () => {
    const nats = server('users');
    nats.addHandler('users.organizations.get', handler);
    expect([...nats.getHandlers().keys()]).toEqual(['users.users.organizations.get']);
  });
});

describe('WardenNatsClient', () => {
  it('publishes each pattern under the prefix, once', () => {
    const client = new WardenNatsClient('warden', { servers: ['nats://127.0.0.1:1'] });
    expect(client.subjectOf(UsersSubjects.createOrganization)).toBe(
      'warden.users.organizations.create',
    );
  });
});
