import { z } from 'zod';
import { ConfigError, describeConfig, loadConfig } from './config';
import {
  eventStoreConfig,
  eventsConfig,
  httpConfig,
  loggingConfig,
  natsConfig,
  natsServers,
  postgresConfig,
  redactUrl,
  redisConfig,
  shutdownConfig,
} from './config-fragments';

const schema = z.object({
  ...postgresConfig.shape,
  ...natsConfig.shape,
  ...redisConfig.shape,
  ...eventsConfig.shape,
  ...eventStoreConfig.shape,
  ...httpConfig(3000).shape,
  ...loggingConfig.shape,
  ...shutdownConfig.shape,
});

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('fills every default on an empty environment', () => {
    expect(loadConfig(schema, {})).toEqual({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/warden',
      DATABASE_POOL_SIZE: 10,
      NATS_URL: 'nats://127.0.0.1:4222',
      NATS_SUBJECT_PREFIX: 'warden',
      NATS_REQUEST_TIMEOUT_MS: 5000,
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: 'warden:',
      EVENTS_STREAM: 'EVENTS',
      EVENTS_SUBJECT_PREFIX: 'events',
      EVENTS_STREAM_REPLICAS: 1,
      EVENT_STORE: 'postgres',
      KURRENTDB_CONNECTION_STRING: undefined,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: 3000,
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: 10_000,
    });
  });

  it('converts numbers and keeps given values', () => {
    const config = loadConfig(schema, {
      HTTP_PORT: '8080',
      NATS_URL: 'nats://a:4222, nats://b:4222',
      LOG_LEVEL: 'debug',
    });
    expect(config.HTTP_PORT).toBe(8080);
    expect(config.LOG_LEVEL).toBe('debug');
    expect(natsServers(config)).toEqual(['nats://a:4222', 'nats://b:4222']);
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig(schema, { HTTP_PORT: '', NATS_SUBJECT_PREFIX: '  ' })).toMatchObject({
      HTTP_PORT: 3000,
      NATS_SUBJECT_PREFIX: 'warden',
    });
  });

  it('names every malformed variable in one error', () => {
    const error = errorOf(() =>
      loadConfig(schema, {
        NATS_URL: 'http://127.0.0.1:4222',
        DATABASE_URL: 'not a url',
        HTTP_PORT: 'eighty',
        DATABASE_POOL_SIZE: '0',
        LOG_LEVEL: 'loud',
        NATS_SUBJECT_PREFIX: 'warden.*',
      }),
    );
    expect(error.message).toContain('NATS_URL: must be a nats:// URL');
    expect(error.message).toContain('DATABASE_URL: must be a postgres:// URL');
    expect(error.message).toContain('HTTP_PORT: must be a port number');
    expect(error.message).toContain('DATABASE_POOL_SIZE: must be greater than 0');
    expect(error.message).toContain(
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
    );
    expect(error.message).toContain('NATS_SUBJECT_PREFIX: must be dot-separated tokens');
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual(
      [
        'DATABASE_POOL_SIZE',
        'DATABASE_URL',
        'HTTP_PORT',
        'LOG_LEVEL',
        'NATS_SUBJECT_PREFIX',
        'NATS_URL',
      ].sort(),
    );
  });

  it('says which required variable is missing', () => {
    const appSchema = z.object({
      ...natsConfig.shape,
      SIGNING_KEY: z.string().describe('Key signing sessions'),
    });
    const error = errorOf(() => loadConfig(appSchema, {}));
    expect(error.issues).toEqual([{ variable: 'SIGNING_KEY', message: 'is required' }]);
    expect(error.message).toContain('SIGNING_KEY: is required');
  });

  it('keeps events in KurrentDB only with its connection string, and says which variable is missing', () => {
    const error = errorOf(() => loadConfig(schema, { EVENT_STORE: 'kurrentdb' }));
    expect(error.issues).toEqual([
      { variable: 'KURRENTDB_CONNECTION_STRING', message: 'is required when EVENT_STORE is kurrentdb' },
    ]);
    const cluster = 'kurrentdb://node1:2113,node2:2113,node3:2113?tls=false';
    expect(
      loadConfig(schema, { EVENT_STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: cluster }),
    ).toMatchObject({
      EVENT_STORE: 'kurrentdb',
      KURRENTDB_CONNECTION_STRING: cluster,
    });
    // A connection string alone changes nothing: the store is what EVENT_STORE names.
    expect(loadConfig(schema, { KURRENTDB_CONNECTION_STRING: cluster }).EVENT_STORE).toBe('postgres');
    expect(errorOf(() => loadConfig(schema, { EVENT_STORE: 'kurrent' })).issues).toEqual([
      { variable: 'EVENT_STORE', message: 'must be one of postgres, kurrentdb' },
    ]);
    expect(
      errorOf(() =>
        loadConfig(schema, { EVENT_STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: 'http://node1:2113' }),
      ).issues,
    ).toEqual([
      {
        variable: 'KURRENTDB_CONNECTION_STRING',
        message: expect.stringContaining('must be a KurrentDB connection string'),
      },
    ]);
  });

  it('keeps the events stream at one to five replicas', () => {
    expect(loadConfig(schema, { EVENTS_STREAM_REPLICAS: '3' }).EVENTS_STREAM_REPLICAS).toBe(3);
    expect(errorOf(() => loadConfig(schema, { EVENTS_STREAM_REPLICAS: '0' })).message).toContain(
      'EVENTS_STREAM_REPLICAS: must be greater than 0',
    );
    expect(errorOf(() => loadConfig(schema, { EVENTS_STREAM_REPLICAS: '7' })).message).toContain(
      'EVENTS_STREAM_REPLICAS: must be at most 5',
    );
  });

  it('rejects a fractional number', () => {
    expect(errorOf(() => loadConfig(schema, { NATS_REQUEST_TIMEOUT_MS: '2.5' })).message).toContain(
      'NATS_REQUEST_TIMEOUT_MS: must be a whole number',
    );
  });
});

describe('describeConfig', () => {
  it('lists each variable with its default and description', () => {
    const variables = describeConfig(
      z.object({ ...natsConfig.shape, ...httpConfig(3001).shape, SIGNING_KEY: z.string().describe('Key') }),
    );
    expect(variables.map((variable) => variable.name)).toEqual([
      'NATS_URL',
      'NATS_SUBJECT_PREFIX',
      'NATS_REQUEST_TIMEOUT_MS',
      'HTTP_HOST',
      'HTTP_PORT',
      'SIGNING_KEY',
    ]);
    expect(variables.find((variable) => variable.name === 'HTTP_PORT')).toEqual({
      name: 'HTTP_PORT',
      description: 'Port of the HTTP server (API or health)',
      required: false,
      default: '3001',
    });
    expect(variables.find((variable) => variable.name === 'SIGNING_KEY')).toEqual({
      name: 'SIGNING_KEY',
      description: 'Key',
      required: true,
    });
  });

  it('has a description for every variable of every fragment', () => {
    const all = describeConfig(schema);
    expect(all.filter((variable) => variable.description === '')).toEqual([]);
  });
});

describe('redactUrl', () => {
  it('masks the password of a connection string', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/warden')).toBe('postgres://app:***@db:5432/warden');
    expect(redactUrl('postgres://app:s3cret@db:5432/warden')).not.toContain('s3cret');
  });
});
