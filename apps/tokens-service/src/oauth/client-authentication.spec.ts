import { TokenEndpointRequest } from '@warden/contracts';
import { clientAuthenticationOf } from './token-endpoint';

const ID = '0190a0d2-0000-7000-8000-0000000002b1';
const SECRET = 'wdn_c_secret';
const request = (form: Record<string, string>, authorization?: string): TokenEndpointRequest => ({ form, audiences: [], ...(authorization !== undefined && { authorization }) });
const basic = (raw: string) => `Basic ${Buffer.from(raw).toString('base64')}`;
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as { error: string };
  }
  throw new Error('not refused');
};

describe('client authentication at the token endpoint (RFC 6749 §2.3)', () => {
  it('reads client_secret_basic with its form-urlencoded parts, and client_secret_post', () => {
    // '+' is a space in form-urlencoding, '%2B' a plus
    expect(clientAuthenticationOf(request({}, basic(`${ID}:a%3Ab+c%2B`)))).toEqual({ method: 'client_secret_basic', clientId: ID, secret: 'a:b c+' });
    expect(clientAuthenticationOf(request({ client_id: ID.toUpperCase(), client_secret: SECRET }))).toEqual({ method: 'client_secret_post', clientId: ID, secret: SECRET });
  });

  it('takes exactly one method', () => {
    expect(refusal(() => clientAuthenticationOf(request({ client_id: ID, client_secret: SECRET }, basic(`${ID}:${SECRET}`))))).toMatchObject({ error: 'invalid_request' });
    expect(refusal(() => clientAuthenticationOf(request({ client_id: ID })))).toMatchObject({ error: 'invalid_client' });
  });

  it('refuses a client_id that is not an account id or differs from the one authenticated', () => {
    expect(refusal(() => clientAuthenticationOf(request({ client_id: 'billing', client_secret: SECRET })))).toMatchObject({ error: 'invalid_client' });
    expect(refusal(() => clientAuthenticationOf(request({ client_id: '0190a0d2-0000-7000-8000-000000000000' }, basic(`${ID}:${SECRET}`))))).toMatchObject({ error: 'invalid_client' });
    expect(refusal(() => clientAuthenticationOf(request({}, 'Basic not base64 at all')))).toMatchObject({ error: 'invalid_client' });
  });

  it('takes a client assertion only of the RFC 7523 type, naming its account in sub', () => {
    const assertion = ['{"alg":"ES256"}', JSON.stringify({ sub: ID, iss: ID })].map((part) => Buffer.from(part).toString('base64url')).join('.') + '.c2ln';
    expect(clientAuthenticationOf(request({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }))).toMatchObject({
      method: 'private_key_jwt',
      clientId: ID,
    });
    expect(refusal(() => clientAuthenticationOf(request({ client_assertion_type: 'urn:other', client_assertion: assertion })))).toMatchObject({ error: 'invalid_request' });
    expect(refusal(() => clientAuthenticationOf(request({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: 'nope' })))).toMatchObject({
      error: 'invalid_client',
    });
  });
});
