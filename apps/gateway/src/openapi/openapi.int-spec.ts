import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { createLogger } from '@warden/platform';
import { TEST_NATS_URL, TEST_REDIS_URL, uniqueTestId } from '@warden/testing';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { SERVED_ROUTES, routeKey } from '../../e2e/route-access';
import { CONSOLE_FILES_ROUTE } from '../auth/public-routes';
import { configureGateway, publishApiDescription } from '../gateway-app';
import { gatewayConfigSchema, publicBaseUrlOf } from '../gateway-config';
import { GatewayModule } from '../gateway.module';

// The gateway as main.ts assembles it (no service needs to answer: the document, the page
// and the metrics are the gateway's own), over real NATS and Redis.
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

type Json = Record<string, unknown>;

describe('the OpenAPI document', () => {
  let gateway: NestFastifyApplication;
  let document: OpenAPIObject;
  const routerRoutes: string[] = [];
  const http = () => gateway.getHttpAdapter().getInstance();

  beforeAll(async () => {
    const logger = createLogger({ service: 'openapi-int-spec', level: 'silent' });
    const config = gatewayConfigSchema.parse({
      NATS_URL: TEST_NATS_URL,
      NATS_SUBJECT_PREFIX: uniqueTestId('openapi'),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: `${uniqueTestId('openapi')}:`,
    });
    gateway = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(config, logger), new FastifyAdapter(), { logger: false });
    // What the router serves, as Fastify registers it.
    http().addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routerRoutes.push(`${method} ${route.url}`);
    });
    configureGateway(gateway, logger, publicBaseUrlOf(config));
    await gateway.init();
    await publishApiDescription(gateway);
    await http().ready();
    const response = await http().inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    document = response.json<OpenAPIObject>();
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('is served without a credential, as OpenAPI 3.1', () => {
    expect(document.openapi).toBe('3.1.0');
  });

  it('is the document the typed client is generated from (libs/api-client/openapi.json, npm run generate:api)', async () => {
    const kept = JSON.parse(await readFile(path.resolve(__dirname, '../../../../libs/api-client/openapi.json'), 'utf8')) as unknown;
    expect(document).toEqual(kept);
  });

  it('documents exactly the routes the router serves, and those of the route access table', () => {
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      HTTP_METHODS.filter((method) => method in item).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    // the files of the API page and of the console are routes of Fastify's own, beside their pages
    const served = routerRoutes.filter((route) => !route.startsWith('HEAD ') && !route.includes(' /docs/assets/') && route !== `GET ${CONSOLE_FILES_ROUTE}`);
    expect(documented.sort()).toEqual([...new Set(served)].sort());
    expect(documented.sort()).toEqual(SERVED_ROUTES.map(routeKey).sort());
  });

  it('offers both ways to present a credential, and asks for none on the public routes', () => {
    expect(document.components?.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque' }),
      api_key: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-api-key' }),
    });
    expect(document.security).toEqual([{ bearer: [] }, { api_key: [] }]);
    expect(document.paths['/api/v1/auth/login']!.post!.security).toEqual([]);
    expect(document.paths['/health']!.get!.security).toEqual([]);
    expect(document.paths['/api/v1/tokens']!.post!.security).toBeUndefined();
  });

  it('gives each body and query the constraints its validators enforce', () => {
    const schemas = document.components!.schemas as Record<string, Json & { properties: Record<string, Json>; required?: string[] }>;
    expect(schemas['IssueTokenBody']!.required).toEqual(expect.arrayContaining(['user_id', 'name']));
    expect(schemas['IssueTokenBody']!.properties['name']).toMatchObject({ type: 'string', minLength: 1, maxLength: 200 });
    expect(schemas['IssueTokenBody']!.properties['user_id']).toMatchObject({ type: 'string', format: 'uuid' });
    expect(schemas['IssueTokenBody']!.properties['visibility']).toMatchObject({ enum: ['private', 'public'] });
    expect(schemas['IssueTokenBody']!.properties['allowed_origins']).toMatchObject({ type: 'array', maxItems: 50, items: { type: 'string', maxLength: 2048 } });
    expect(schemas['RotateTokenBody']!.properties['grace_period_seconds']).toMatchObject({ type: 'integer', minimum: 0, maximum: 604_800 });
    expect(schemas['CreateUserBody']!.properties['roles']).toMatchObject({ type: 'array', maxItems: 100, items: { oneOf: expect.any(Array) } });
    expect(schemas['UpdateOrganizationSettingsBody']!.properties['max_token_lifetime_seconds']).toMatchObject({ type: ['integer', 'null'], minimum: 1 });
    const pageSize = document.paths['/api/v1/users']!.get!.parameters!.find((parameter) => 'name' in parameter && parameter.name === 'page_size');
    expect(pageSize).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200 } });
  });

  it('names the problem codes each route may answer', () => {
    const issue = document.paths['/api/v1/tokens']!.post!.responses;
    const codesOf = (status: string) =>
      ((issue[status] as unknown as { content: Record<string, { schema: { allOf: Json[] } }> }).content['application/problem+json']!.schema.allOf[1] as {
        properties: { code: { enum: string[] } };
      }).properties.code.enum;
    expect(codesOf('400')).toContain('validation_failed');
    expect(codesOf('401')).toEqual(['unauthenticated']);
    expect(codesOf('422')).toEqual(expect.arrayContaining(['invalid_token_owner', 'invalid_token_expiry']));
    expect(codesOf('503')).toEqual(['service_unavailable', 'upstream_timeout']);
    const login = document.paths['/api/v1/auth/login']!.post!.responses;
    expect(Object.keys(login)).toEqual(expect.arrayContaining(['200', '400', '401', '429', '503']));
    expect(document.paths['/health/live']!.get!.responses['401']).toBeUndefined();
  });

  it('shows request bodies integrators paste as examples', () => {
    const login = document.paths['/api/v1/auth/login']!.post!.requestBody as { content: Record<string, { examples: Record<string, { value: Json }> }> };
    expect(Object.values(login.content['application/json']!.examples).map((example) => example.value)).toContainEqual({
      username: 'api_user@mycompany',
      password: 'myserviceaccoutpassword',
    });
    const users = document.paths['/api/v1/users']!.post!.requestBody as { content: Record<string, { examples: Record<string, unknown> }> };
    expect(Object.keys(users.content['application/json']!.examples).length).toBeGreaterThanOrEqual(3);
  });

  it('serves the interactive page and its assets without a credential', async () => {
    const page = await http().inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('/docs/assets/swagger-ui-bundle.js');
    const bundle = await http().inject({ method: 'GET', url: '/docs/assets/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
    const script = await http().inject({ method: 'GET', url: '/docs/assets/warden-docs.js' });
    expect(script.statusCode).toBe(200);
    expect(script.body).toContain('/api/v1/openapi.json');
  });

  it('serves Prometheus metrics without a credential, counting requests by route and status', async () => {
    await http().inject({ method: 'GET', url: '/api/v1/tokens' }); // 401: no credential
    const metrics = await http().inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(/warden_http_requests_total\{method="GET",route="\/api\/v1\/tokens",status="401",app="gateway"\} [1-9]/);
    expect(metrics.body).toMatch(/warden_http_request_duration_seconds_bucket\{le="\+Inf",app="gateway",method="GET",route="\/api\/v1\/openapi.json",status="200"\} [1-9]/);
    expect(metrics.body).toMatch(/warden_credential_verifications_total\{path="http",outcome="missing",app="gateway"\} [1-9]/);
    expect(metrics.body).toContain('process_cpu_seconds_total');
  });

  it('gives every operation a summary, a description, a tag and a readable operation id of its own', () => {
    const operations = operationsOf(document);
    for (const { route, operation } of operations) {
      expect({ route, summary: operation.summary }).toEqual({ route, summary: expect.stringMatching(/\S/) });
      expect({ route, description: operation.description }).toEqual({ route, description: expect.stringMatching(/\S/) });
      expect({ route, tags: operation.tags }).toEqual({ route, tags: [expect.any(String)] });
      expect({ route, operationId: operation.operationId }).toEqual({ route, operationId: expect.stringMatching(/^[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/) });
    }
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['tokens.issue', 'users.list', 'auth.login', 'audit.list', 'health.ready']));
  });

  it('declares the schema of every success answer, and every error as a problem document', () => {
    for (const { route, operation } of operationsOf(document)) {
      for (const [status, response] of Object.entries(operation.responses) as [string, Json][]) {
        const content = (response['content'] ?? {}) as Record<string, { schema?: Json }>;
        if (status === '204') expect({ route, status, content: response['content'] }).toEqual({ route, status, content: undefined });
        else if (status.startsWith('2')) {
          expect({ route, status, types: Object.keys(content).length }).toEqual({ route, status, types: 1 });
          for (const media of Object.values(content)) expect({ route, status, schema: media.schema }).toEqual({ route, status, schema: expect.any(Object) });
        } else {
          // a probe's 503 is its health report, which says what is down; the OAuth endpoints' own
          // refusals are RFC 6749 §5.2 answers (the guard's 401 before them is a problem document)
          const oauthAnswer = route.startsWith('POST /oauth2/') && (status === '400' || (route === 'POST /oauth2/token' && status === '401'));
          const expected = route.startsWith('GET /health') || oauthAnswer ? 'application/json' : 'application/problem+json';
          expect({ route, status, types: Object.keys(content) }).toEqual({ route, status, types: [expected] });
        }
      }
    }
    const schemas = document.components!.schemas as Record<string, Json & { properties: Record<string, Json> }>;
    expect(document.paths['/api/v1/tokens']!.get!.responses['200']).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/TokenPage' } } } });
    expect(schemas['TokenPage']!.properties['pagination']).toEqual({ $ref: '#/components/schemas/Pagination' });
    expect(schemas['IssuedTokenView']!.properties['token']).toMatchObject({ type: 'string' });
    expect(schemas['CreatedUserView']!.properties['api_token']).toMatchObject({ oneOf: [{ $ref: '#/components/schemas/ApiTokenOfNewUser' }, { type: 'null' }] });
    expect(schemas['ActiveTokenIntrospection']!.properties['active']).toEqual({ type: 'boolean', enum: [true] });
  });

  it('declares the headers it takes and gives', () => {
    const issue = document.paths['/api/v1/tokens']!.post!;
    expect(issue.parameters).toEqual(
      expect.arrayContaining([{ $ref: '#/components/parameters/IdempotencyKey' }, { $ref: '#/components/parameters/CorrelationId' }]),
    );
    expect(issue.responses['201']).toMatchObject({
      headers: { 'x-correlation-id': { $ref: '#/components/headers/CorrelationId' }, 'Idempotent-Replayed': { $ref: '#/components/headers/IdempotentReplayed' } },
    });
    expect(document.paths['/api/v1/tokens']!.get!.parameters).not.toContainEqual({ $ref: '#/components/parameters/IdempotencyKey' });
    expect(document.paths['/api/v1/auth/login']!.post!.parameters).not.toContainEqual({ $ref: '#/components/parameters/IdempotencyKey' });
    expect(document.paths['/api/v1/auth/login']!.post!.responses['429']).toMatchObject({ headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } });
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  // The linted copy is written where the linters' configuration (redocly.yaml, .redocly.lint-ignore.yaml, .spectral.yaml) names it.
  describe('linted by tools no one here wrote', () => {
    const root = path.resolve(__dirname, '../../../..');
    const served = path.join(root, 'tmp/openapi/served.json');
    const run = promisify(execFile);
    const bin = (name: string) => path.join(root, 'node_modules/.bin', name);
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };

    beforeAll(async () => {
      await mkdir(path.dirname(served), { recursive: true });
      await writeFile(served, JSON.stringify(document, null, 2));
    });

    it('passes Redocly CLI recommended rules with 0 errors and 0 warnings', async () => {
      const result = await run(bin('redocly'), ['lint', 'tmp/openapi/served.json', '--format=json'], { cwd: root, env, maxBuffer: 64 * 1024 * 1024 }).catch(
        (error: { stdout: string }) => error,
      );
      const report = JSON.parse(result.stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] };
      expect(report.problems.map((problem) => `${problem.ruleId}: ${problem.message}`)).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    });

    it('finds what is missing (the check can fail)', async () => {
      const broken = JSON.parse(JSON.stringify(document)) as OpenAPIObject;
      delete broken.paths['/api/v1/tokens']!.post!.summary;
      delete broken.servers;
      const copy = path.join(root, 'tmp/openapi/broken.json');
      await writeFile(copy, JSON.stringify(broken));
      const result = await run(bin('redocly'), ['lint', copy, '--format=json'], { cwd: root, env, maxBuffer: 64 * 1024 * 1024 }).catch(
        (error: { stdout: string }) => error,
      );
      const report = JSON.parse(result.stdout) as { problems: { ruleId: string }[] };
      // (the exceptions of .redocly.lint-ignore.yaml name the served copy only, so this one shows them too)
      expect(report.problems.map((problem) => problem.ruleId)).toEqual(expect.arrayContaining(['no-empty-servers', 'operation-summary']));
    });

    it('passes Spectral spectral:oas with 0 errors and 0 warnings', async () => {
      const output = path.join(root, 'tmp/openapi/spectral.json');
      await run(bin('spectral'), ['lint', 'tmp/openapi/served.json', '--ruleset', '.spectral.yaml', '--format', 'json', '--output', output, '--fail-severity', 'hint'], {
        cwd: root,
        env,
      }).catch(() => undefined);
      const problems = JSON.parse(await readFile(output, 'utf8')) as { code: string; message: string; path: string[] }[];
      expect(problems.map((problem) => `${problem.code}: ${problem.message} at ${problem.path.join('.')}`)).toEqual([]);
    });
  });
});

function operationsOf(document: OpenAPIObject): { route: string; operation: Json & { responses: Json; summary?: string; description?: string; tags?: string[]; operationId?: string } }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => method in item).map((method) => ({
      route: `${method.toUpperCase()} ${path}`,
      operation: (item as Record<string, Json & { responses: Json }>)[method]!,
    })),
  );
}
