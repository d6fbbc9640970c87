import { apiUrlOf, requestUrlOf, setPublicBaseUrl, withPageLinks } from './page-links';

const url = 'http://127.0.0.1:3000/api/v1/users?account_type=service_external&page=2&page_size=2';

describe('withPageLinks', () => {
  it('links the pages before and after with the same filters, as absolute URLs of the API', () => {
    expect(withPageLinks({ total: 5, page: 2, page_size: 2, results: ['c', 'd'] }, url)).toEqual({
      pagination: {
        total: 5,
        total_pages: 3,
        next: 'http://127.0.0.1:3000/api/v1/users?account_type=service_external&page=3&page_size=2',
        previous: 'http://127.0.0.1:3000/api/v1/users?account_type=service_external&page=1&page_size=2',
      },
      results: ['c', 'd'],
    });
  });

  it('has no links for a single page, and one page even when empty', () => {
    expect(withPageLinks({ total: 0, page: 1, page_size: 20, results: [] }, 'http://h/api/v1/organizations').pagination).toEqual({
      total: 0,
      total_pages: 1,
      next: null,
      previous: null,
    });
  });

  it('builds the request URL from the configured public base URL and the path, never from the Host header', () => {
    const server = {};
    setPublicBaseUrl(server, 'https://warden.example.com');
    const request = { server, url: '/api/v1/teams?page=1', host: 'attacker.example', headers: { host: 'attacker.example' } };
    expect(requestUrlOf(request)).toBe('https://warden.example.com/api/v1/teams?page=1');
    expect(apiUrlOf(request, '/api/v1/organizations/o-1')).toBe('https://warden.example.com/api/v1/organizations/o-1');
    expect(() => requestUrlOf({ server: {}, url: '/' })).toThrow(/public base URL/);
  });
});
