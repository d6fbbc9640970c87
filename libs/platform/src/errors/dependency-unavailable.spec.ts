import { CommonErrorCode } from '@warden/contracts';
import { NatsError } from 'nats';
import { DatabaseError } from 'pg';
import { unavailableDependencyOf } from './dependency-unavailable';
import { toErrorPayload, toProblemDetails } from './problem-details';

function postgresError(code: string, message: string): DatabaseError {
  const error = new DatabaseError(message, 0, 'error');
  error.code = code;
  error.severity = 'FATAL';
  return error;
}

function withCode(message: string, code: string, name = 'Error'): Error {
  const error = Object.assign(new Error(message), { code });
  error.name = name;
  return error;
}

describe('unavailableDependencyOf', () => {
  it.each([
    ['a backend terminated by an administrator', postgresError('57P01', 'terminating connection due to administrator command'), 'postgres'],
    ['a server starting up', postgresError('57P03', 'the database system is starting up'), 'postgres'],
    ['no connection slot left', postgresError('53300', 'sorry, too many clients already'), 'postgres'],
    ['a connection exception', postgresError('08006', 'connection failure'), 'postgres'],
    ['a database refusing connections', postgresError('55000', 'database "warden" is not currently accepting connections'), 'postgres'],
    ['a socket closed under a query', new Error('Connection terminated unexpectedly'), 'postgres'],
    ['a dead pooled client', new Error('Client has encountered a connection error and is not queryable'), 'postgres'],
    ['a pool connect timeout', new Error('timeout exceeded when trying to connect'), 'postgres'],
    ['Redis retries exhausted', withCode('Reached the max retries per request limit (which is 2). Refer to "maxRetriesPerRequest" option for details.', '', 'MaxRetriesPerRequestError'), 'redis'],
    ['a closed Redis connection', new Error('Connection is closed.'), 'redis'],
    ['Redis loading its dataset', new Error('LOADING Redis is loading the dataset in memory'), 'redis'],
    ['a Redis Cluster master down until its replica is promoted', new Error('Too many Cluster redirections. Last error: Error: Connection is closed.'), 'redis'],
    ['no Redis Cluster node reachable', new Error('None of startup nodes is available'), 'redis'],
    ['a write sent to a Redis master that came back as a replica', new Error("READONLY You can't write against a read only replica."), 'redis'],
    ['a redirection handed back from a pipeline while a failover moves the slot', new Error('MOVED 16143 127.0.0.1:40271'), 'redis'],
    ['a slot being migrated, answered to a pipeline', new Error('ASK 3999 127.0.0.1:6381'), 'redis'],
    ['a Redis connection lost under a pipeline', new Error('Command aborted due to connection close'), 'redis'],
    ['a Redis connection replaced while connecting', new Error('Connection is discarded because a new connection is made'), 'redis'],
    ['a Redis Cluster client disconnected', new Error('Cluster is disconnected.'), 'redis'],
    ["a Redis Cluster's slots unknown", withCode('Failed to refresh slots cache.', '', 'ClusterAllFailedError'), 'redis'],
    ['a NATS connection closed', new NatsError('closed connection', 'CONNECTION_CLOSED'), 'nats'],
    ['a refused socket', withCode('connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED'), 'network'],
    ['a refused dual-stack connect', new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''), 'network'],
    ['a wrapped cause', new Error('projection failed', { cause: new Error('Connection is closed.') }), 'redis'],
  ])('names %s', (_what, error, dependency) => {
    expect(unavailableDependencyOf(error)).toBe(dependency);
  });

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a constraint violation', postgresError('23505', 'duplicate key value violates unique constraint')],
    ['SQLSTATE 55000 for another reason', postgresError('55000', 'cannot execute LISTEN within a background process')],
    ['a class 08 code on something else', withCode('not a database', '08006')],
    ['a Redis script error', new Error('ERR Error running script')],
    ['not an error', 'Connection is closed.'],
  ])('leaves out %s', (_what, error) => {
    expect(unavailableDependencyOf(error)).toBeUndefined();
  });
});

describe('an unavailable dependency in the error mapper', () => {
  it('answers 503 service_unavailable with a generic detail, not 500 internal_error', () => {
    const problem = toProblemDetails(new Error('Connection is closed.'), { instance: '/api/v1/tokens' });
    expect(problem).toMatchObject({ status: 503, code: CommonErrorCode.ServiceUnavailable, instance: '/api/v1/tokens' });
    expect(problem.detail).not.toContain('Connection is closed');
  });

  it('travels over NATS as service_unavailable', () => {
    expect(toErrorPayload(postgresError('57P01', 'terminating connection due to administrator command')).code).toBe(CommonErrorCode.ServiceUnavailable);
  });
});
