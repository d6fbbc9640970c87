import { ApiContract } from './api-contract';

const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } };
const contract = new ApiContract({
  openapi: '3.1.0',
  paths: {
    '/api/v1/users/{id}': {
      get: {
        responses: {
          '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } },
          '404': { content: problem },
        },
      },
      delete: { responses: { '204': { description: 'gone' } } },
    },
    '/api/v1/users/me': { get: { responses: { '200': { content: { 'application/json': { schema: { type: 'object', required: ['me'] } } } } } } },
  },
  components: {
    schemas: {
      User: { type: 'object', required: ['id', 'email'], properties: { id: { type: 'string' }, email: { type: ['string', 'null'] } } },
      ProblemDetails: { type: 'object', required: ['status', 'code'], properties: { status: { type: 'integer' }, code: { type: 'string' } } },
    },
  },
});
const json = 'application/json; charset=utf-8';

describe('ApiContract', () => {
  it('accepts an answer its route declares', () => {
    expect(contract.problems('GET', '/api/v1/users/42', 200, json, { id: '42', email: null })).toEqual([]);
    expect(contract.problems('GET', '/api/v1/users/42', 404, 'application/problem+json', { status: 404, code: 'user_not_found' })).toEqual([]);
    expect(contract.problems('DELETE', '/api/v1/users/42', 204, null, undefined)).toEqual([]);
  });

  it('refuses a missing field, a field the description does not name, and a wrong type', () => {
    expect(contract.problems('GET', '/api/v1/users/42', 200, json, { id: '42' })).toEqual([expect.stringContaining("must have required property 'email'")]);
    expect(contract.problems('GET', '/api/v1/users/42', 200, json, { id: '42', email: null, secret: 'x' })).toEqual([
      expect.stringContaining('must NOT have unevaluated properties'),
    ]);
    expect(contract.problems('GET', '/api/v1/users/42', 200, json, { id: 42, email: null })).toEqual([expect.stringContaining('/id must be string')]);
  });

  it('refuses a status or a media type the route does not declare, and a body where none is', () => {
    expect(contract.problems('GET', '/api/v1/users/42', 500, 'application/problem+json', { status: 500, code: 'internal_error' })).toEqual([
      expect.stringContaining('the status is not declared'),
    ]);
    expect(contract.problems('GET', '/api/v1/users/42', 404, json, { status: 404, code: 'user_not_found' })).toEqual([expect.stringContaining('content type')]);
    expect(contract.problems('DELETE', '/api/v1/users/42', 204, json, 'surprise')).toEqual([expect.stringContaining('a body where none is declared')]);
  });

  it('matches a literal segment before a template', () => {
    expect(contract.problems('GET', '/api/v1/users/me', 200, json, { me: true })).toEqual([]);
  });

  it('wants a problem document from a route it does not know, and no success', () => {
    expect(contract.problems('GET', '/api/v1/nowhere', 404, 'application/problem+json', { status: 404, code: 'route_not_found' })).toEqual([]);
    expect(contract.problems('GET', '/api/v1/nowhere', 404, 'text/html', '<h1>Not found</h1>')).toEqual([expect.stringContaining('must be object')]);
    expect(contract.problems('GET', '/api/v1/nowhere', 200, json, {})).toEqual([expect.stringContaining('not in the API description')]);
  });
});
