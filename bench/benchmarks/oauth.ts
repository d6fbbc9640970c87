// Client-credentials grants (target: 1,000 grants/s on 2 cores): `POST /oauth2/token` end to end with
// client_secret_basic and with private_key_jwt (a fresh ES256 assertion per request, signed
// before the run so the load generator's signing is not measured), 10 in flight; against
// the gateway's authenticated `GET /api/v1/auth/whoami` with an API token, the same number
// in flight: the verification's one Redis round trip that a grant also makes, without the
// grant's NATS hop to the tokens service, its assertion check and its group-committed append.
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { alternate } from '../support/alternate';
import type { BenchContext, Row } from '../support/context';
import { rateRow } from '../support/format';
import { load } from '../support/load';
import { RunFigures } from '../support/stats';

// Assertions signed ahead per second of a run: above any rate a grant reaches here.
const ASSERTIONS_PER_SECOND = 5_000;

async function formRun(url: string, connections: number, seconds: number, bodies: () => string, headers: Record<string, string> = {}): Promise<RunFigures> {
  const result = await autocannon({
    url,
    connections,
    pipelining: 1,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    requests: [{ setupRequest: (request: { body?: string }) => ({ ...request, body: bodies() }) }],
  });
  const ok = result.statusCodeStats['200']?.count ?? 0;
  const all = Object.values(result.statusCodeStats).reduce((sum, s) => sum + s.count, 0);
  return { perSecond: all / result.duration, p50Ms: result.latency.p50, p99Ms: result.latency.p99, failures: all - ok + result.errors + result.timeouts };
}

export async function benchOAuth(ctx: BenchContext & { admin: import('@warden/testing').ApiClient; serviceAccountId: string }): Promise<Row[]> {
  const { options, system, log, admin, serviceAccountId } = ctx;
  const origin = new URL(system.gatewayUrl).origin;
  const tokenEndpoint = `${origin}/oauth2/token`;
  const connections = options.issueConcurrency;
  const secret = await admin.post<{ client_secret: string }>(`/users/${serviceAccountId}/client-secrets`);
  if (secret.status !== 201) throw new Error(`adding the benchmark's client secret failed: ${secret.status} ${JSON.stringify(secret.body)}`);
  const basic = `Basic ${Buffer.from(`${serviceAccountId}:${secret.body.client_secret}`).toString('base64')}`;
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const key = await admin.post(`/users/${serviceAccountId}/keys`, { jwk: { ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'benchmark' } });
  if (key.status !== 201) throw new Error(`registering the benchmark's key failed: ${key.status} ${JSON.stringify(key.body)}`);

  const signAssertions = async (count: number) => {
    const signed: string[] = [];
    for (let n = 0; n < count; n++) {
      const assertion = await new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg: 'ES256', kid: 'benchmark' })
        .setIssuer(serviceAccountId)
        .setSubject(serviceAccountId)
        .setAudience(tokenEndpoint)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      signed.push(new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }).toString());
    }
    return signed;
  };

  const baseline = (seconds: number) =>
    load({ url: `${system.gatewayUrl}/auth/whoami`, connections, seconds, headers: { authorization: `Bearer ${ctx.token}` }, expectedStatus: 200 });
  const secretBody = 'grant_type=client_credentials';
  const summaries = await alternate(
    options,
    'oauth client_secret_basic',
    { system: (seconds) => formRun(tokenEndpoint, connections, seconds, () => secretBody, { authorization: basic }), baseline },
    log,
  );
  const jwtSummaries = await alternate(
    options,
    'oauth private_key_jwt',
    {
      system: async (seconds) => {
        log(`oauth private_key_jwt: signing ${Math.ceil(seconds * ASSERTIONS_PER_SECOND)} assertions`);
        const bodies = await signAssertions(Math.ceil(seconds * ASSERTIONS_PER_SECOND));
        return formRun(tokenEndpoint, connections, seconds, () => {
          const body = bodies.pop();
          if (body === undefined) throw new Error('the run outpaced the assertions signed for it');
          return body;
        });
      },
      baseline,
    },
    log,
  );
  const baselineText = `the gateway's \`GET /api/v1/auth/whoami\` with an API token (one verification), ${connections} connections`;
  return [
    rateRow('grant, client_secret_basic', `\`POST /oauth2/token\` client credentials end to end (grant recorded before the answer), ${connections} in flight`, baselineText, summaries.system, summaries.baseline, 0.1),
    rateRow('grant, private_key_jwt', `the same with a fresh ES256 client assertion per request`, baselineText, jwtSummaries.system, jwtSummaries.baseline, 0.1),
  ];
}
