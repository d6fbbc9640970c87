import { ROUTE_ACCESS } from '../../apps/gateway/e2e/route-access';
import { MIN_DOCUMENT_BYTES, SWEEP_RESOURCES, deepPage, fillPath, getRoutes, paddedDocument, pageQuery, spread } from './routes';

describe('route sweep helpers', () => {
  it('takes each GET path of the route table once, leaving out other methods', () => {
    const routes = getRoutes([
      { method: 'GET', path: '/api/v1/users' },
      { method: 'POST', path: '/api/v1/users' },
      { method: 'GET', path: '/api/v1/users/:id' },
      { method: 'GET', path: '/api/v1/users/:id', case: 'a case of it' },
    ]);
    expect(routes).toEqual(['/api/v1/users', '/api/v1/users/:id']);
  });

  it('finds the listings and the parameterised reads in the gateway route table', () => {
    const routes = getRoutes(ROUTE_ACCESS);
    expect(routes).toEqual(expect.arrayContaining(['/api/v1/organizations', '/api/v1/tokens/:id', '/api/v1/audit/events', '/health']));
    expect(new Set(routes).size).toBe(routes.length);
  });

  it('fills each parameter with the id of the resource named before it', () => {
    const ids = { users: 'u-1', tokens: 't 2', 'read-models': 'tokens' };
    expect(fillPath('/api/v1/audit/users/:id/history', ids)).toBe('/api/v1/audit/users/u-1/history');
    expect(fillPath('/api/v1/tokens/:id', ids)).toBe('/api/v1/tokens/t%202');
    expect(fillPath('/api/v1/admin/read-models/:name/replay', ids)).toBe('/api/v1/admin/read-models/tokens/replay');
    expect(fillPath('/health', ids)).toBe('/health');
    expect(() => fillPath('/api/v1/teams/:id', ids)).toThrow('no id for the :id of teams in /api/v1/teams/:id');
  });

  it('has an id for every path parameter of every GET route the gateway lists', () => {
    const ids = Object.fromEntries(SWEEP_RESOURCES.map((resource) => [resource, `${resource}-id`]));
    for (const path of getRoutes(ROUTE_ACCESS)) expect(() => fillPath(path, ids)).not.toThrow();
  });

  it('asks the audit log for later pages by cursor, the other listings by page number', () => {
    expect(pageQuery('/api/v1/users', 500, 100)).toBe('?page=500&page_size=100');
    expect(pageQuery('/api/v1/audit/events', 1, 20)).toBe('?limit=20');
    expect(pageQuery('/api/v1/audit/events', 500, 20, 'a+b/c')).toBe('?limit=20&cursor=a%2Bb%2Fc');
    expect(() => pageQuery('/api/v1/audit/events', 2, 20)).toThrow('page 2 of the audit log needs the cursor of page 1');
  });

  it('goes to page 500, or to the last full page of fewer rows', () => {
    expect(deepPage(50_000, 100)).toBe(500);
    expect(deepPage(10_000, 20)).toBe(500);
    expect(deepPage(10_000, 100)).toBe(100);
    expect(deepPage(1_000_000, 20)).toBe(500);
    expect(deepPage(50, 100)).toBe(1);
  });

  it('pads a JSON document to exactly the size asked for', () => {
    for (const bytes of [MIN_DOCUMENT_BYTES, 11, 4_321]) {
      const document = paddedDocument(bytes);
      expect(Buffer.byteLength(document)).toBe(bytes);
      expect(JSON.parse(document)).toEqual({ pad: 'x'.repeat(bytes - MIN_DOCUMENT_BYTES) });
    }
    expect(() => paddedDocument(MIN_DOCUMENT_BYTES - 1)).toThrow('a JSON document takes at least 10 bytes, not 9');
    expect(() => paddedDocument(12.5)).toThrow(/not 12.5/);
  });

  it('names the slowest and the fastest of several rates and their factor', () => {
    expect(spread({ 'page 1 of 20': 400, 'page 500 of 100': 100, 'page 1 of 100': 250 })).toEqual({ slowest: 'page 500 of 100', fastest: 'page 1 of 20', factor: 4 });
    expect(spread({ only: 0 }).factor).toBe(Number.POSITIVE_INFINITY);
    expect(() => spread({})).toThrow('spread of no rates');
  });
});
