import { presentedCredential } from './presented-credential';

describe('presentedCredential', () => {
  it.each([
    ['a bearer key', { authorization: 'Bearer wdn_p_a' }, 'wdn_p_a'],
    ['a bearer key, scheme in any case', { authorization: 'bearer wdn_p_a' }, 'wdn_p_a'],
    ['an x-api-key', { 'x-api-key': ' wdn_p_a ' }, 'wdn_p_a'],
    ['the same key in both headers', { authorization: 'Bearer wdn_p_a', 'x-api-key': 'wdn_p_a' }, 'wdn_p_a'],
    ['two different keys', { authorization: 'Bearer wdn_p_a', 'x-api-key': 'wdn_p_b' }, undefined],
    ['another scheme, even with an x-api-key', { authorization: 'Basic abc', 'x-api-key': 'wdn_p_a' }, undefined],
    ['a repeated x-api-key', { 'x-api-key': ['wdn_p_a', 'wdn_p_a'] }, undefined],
    ['an empty x-api-key', { 'x-api-key': '  ' }, undefined],
    ['nothing', {}, undefined],
  ])('%s', (_what, headers: Record<string, string | string[]>, expected) => {
    expect(presentedCredential(headers)).toBe(expected);
  });
});
