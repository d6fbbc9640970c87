import { apiBaseUrl, resolveApiUrl } from './api-url';

describe('apiBaseUrl', () => {
  it.each([
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000/api/v1'],
    ['http://127.0.0.1:3000/', 'http://127.0.0.1:3000/api/v1'],
    ['http://127.0.0.1:3000/api/v1', 'http://127.0.0.1:3000/api/v1'],
    ['https://warden.example.com/api/v1/', 'https://warden.example.com/api/v1'],
    ['https://example.com/warden', 'https://example.com/warden/api/v1'],
  ])('reads %s as the API at %s', (given, expected) => {
    expect(apiBaseUrl(given)).toBe(expected);
  });

  it.each(['warden.example.com', 'ftp://example.com', 'http://example.com/?x=1'])('refuses %s', (given) => {
    expect(() => apiBaseUrl(given)).toThrow(RangeError);
  });
});

describe('resolveApiUrl', () => {
  it('prefers --url, then WARDEN_URL, then the URL logged in to, then the local gateway', () => {
    expect(resolveApiUrl('http://flag:1', { WARDEN_URL: 'http://env:2' }, 'http://stored:3/api/v1')).toBe('http://flag:1/api/v1');
    expect(resolveApiUrl(undefined, { WARDEN_URL: 'http://env:2' }, 'http://stored:3/api/v1')).toBe('http://env:2/api/v1');
    expect(resolveApiUrl(undefined, { WARDEN_URL: '' }, 'http://stored:3/api/v1')).toBe('http://stored:3/api/v1');
    expect(resolveApiUrl(undefined, {}, undefined)).toBe('http://127.0.0.1:3000/api/v1');
  });
});
