import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { createLogger } from '@warden/platform';
import { TEST_NATS_URL, TEST_REDIS_URL, uniqueTestId } from '@warden/testing';
import { SERVED_ROUTES, routeKey } from '../../e2e/route-access';
import { configureGateway, publishApiDescription } from '../gateway-app';
import { gatewayConfigSchema, publicBaseUrlOf } from '../gateway-config';
import { GatewayModule } from '../gateway.module';

// The gateway as main.ts assembles it (no service needs to answer: the document, the page
// and the metrics are the gateway's own), over real NATS and Redis.
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const PARAMETER_LOCATIONS = ['query', 'header', 'path', 'cookie'];

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What OpenAPI 3.1 requires of a document's structure (the spec's "REQUIRED" fields and
 * rules), checked without a validator package: each problem found, as a JSON path and why.
 */
function openApi31Problems(document: Json): string[] {
  const problems: string[] = [];
  const fail = (where: string, why: string) => problems.push(`${where}: ${why}`);
  if (typeof document['openapi'] !== 'string' || !/^3\.1\.\d+$/.test(document['openapi'])) fail('openapi', 'must be 3.1.x');
  const info = document['info'];
  if (!isObject(info) || typeof info['title'] !== 'string' || typeof info['version'] !== 'string') fail('info', 'needs title and version');
  if (!['paths', 'components', 'webhooks'].some((key) => key in document)) fail('$', 'needs paths, components or webhooks');
  const components = isObject(document['components']) ? document['components'] : {};
  const schemes = isObject(components['securitySchemes']) ? components['securitySchemes'] : {};
  for (const [name, scheme] of Object.entries(schemes)) {
    if (!isObject(scheme)) fail(`securitySchemes.${name}`, 'must be an object');
    else if (scheme['type'] === 'http' && typeof scheme['scheme'] !== 'string') fail(`securitySchemes.${name}`, 'http needs scheme');
    else if (scheme['type'] === 'apiKey' && (typeof scheme['name'] !== 'string' || !['query', 'header', 'cookie'].includes(scheme['in'] as string)))
      fail(`securitySchemes.${name}`, 'apiKey needs name and in');
    else if (!['http', 'apiKey', 'oauth2', 'openIdConnect', 'mutualTLS'].includes(scheme['type'] as string)) fail(`securitySchemes.${name}`, 'unknown type');
  }
  const checkSecurity = (where: string, security: unknown) => {
    if (security === undefined) return;
    if (!Array.isArray(security)) return fail(where, 'security must be an array');
    for (const requirement of security as unknown[]) {
      for (const name of Object.keys(isObject(requirement) ? requirement : {})) if (!(name in schemes)) fail(where, `unknown security scheme ${name}`);
    }
  };
  checkSecurity('security', document['security']);
  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries(isObject(document['paths']) ? document['paths'] : {})) {
    if (!path.startsWith('/')) fail(path, 'a path must start with /');
    if (!isObject(item)) continue;
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
    for (const method of HTTP_METHODS.filter((m) => m in item)) {
      const where = `paths.${path}.${method}`;
      const operation = item[method];
      if (!isObject(operation)) {
        fail(where, 'must be an object');
        continue;
      }
      if (typeof operation['operationId'] === 'string') {
        if (operationIds.has(operation['operationId'])) fail(where, `duplicate operationId ${operation['operationId']}`);
        operationIds.add(operation['operationId']);
      }
      const parameters = (Array.isArray(operation['parameters']) ? operation['parameters'] : []) as Json[];
      for (const parameter of parameters) {
        if (typeof parameter['name'] !== 'string' || !PARAMETER_LOCATIONS.includes(parameter['in'] as string)) fail(where, 'a parameter needs name and in');
        if (parameter['in'] === 'path' && parameter['required'] !== true) fail(where, `path parameter ${String(parameter['name'])} must be required`);
        if (!('schema' in parameter) && !('content' in parameter)) fail(where, `parameter ${String(parameter['name'])} needs schema or content`);
      }
      for (const name of templated) {
        if (!parameters.some((parameter) => parameter['in'] === 'path' && parameter['name'] === name)) fail(where, `no path parameter for {${name}}`);
      }
      const body = operation['requestBody'];
      if (body !== undefined && (!isObject(body) || !isObject(body['content']) || Object.keys(body['content']).length === 0))
        fail(where, 'requestBody needs content');
      const responses = operation['responses'];
      if (!isObject(responses) || Object.keys(responses).length === 0) fail(where, 'needs responses');
      else {
        for (const [status, response] of Object.entries(responses)) {
          if (!/^([1-5](\d\d|XX)|default)$/.test(status)) fail(where, `response key ${status} is not a status code`);
          if (!isObject(response) || ('$ref' in response ? false : typeof response['description'] !== 'string')) fail(where, `response ${status} needs a description`);
        }
      }
      checkSecurity(where, operation['security']);
    }
  }
  // Every $ref resolves, and no OpenAPI 3.0-only `nullable` is left.
  const walk = (node: unknown, where: string): void => {
    if (Array.isArray(node)) return node.forEach((child, index) => walk(child, `${where}[${index}]`));
    if (!isObject(node)) return;
    if (typeof node['$ref'] === 'string') {
      const target = node['$ref'].replace(/^#\//, '').split('/').reduce<unknown>((at, key) => (isObject(at) ? at[key] : undefined), document);
      if (target === undefined) fail(where, `unresolved $ref ${node['$ref']}`);
    }
    if ('nullable' in node && isObject(node) && typeof node['nullable'] === 'boolean') fail(where, 'nullable is not OpenAPI 3.1');
    for (const [key, child] of Object.entries(node)) walk(child, `${where}.${key}`);
  };
  walk(document, '$');
  return problems;
}

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
    publishApiDescription(gateway);
    await http().ready();
    const response = await http().inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    document = response.json<OpenAPIObject>();
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('is served without a credential and is valid OpenAPI 3.1', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(openApi31Problems(document as unknown as Json)).toEqual([]);
  });

  it('finds structural faults (the check can fail)', () => {
    const broken = JSON.parse(JSON.stringify(document)) as Json;
    broken['openapi'] = '3.0.0';
    const paths = broken['paths'] as Record<string, Record<string, Json>>;
    delete paths['/api/v1/users/{id}']!['get']!['parameters'];
    paths['/api/v1/users/{id}']!['get']!['responses'] = {};
    const problems = openApi31Problems(broken);
    expect(problems).toEqual(
      expect.arrayContaining([
        'openapi: must be 3.1.x',
        'paths./api/v1/users/{id}.get: no path parameter for {id}',
        'paths./api/v1/users/{id}.get: needs responses',
      ]),
    );
  });

  it('documents exactly the routes the router serves, and those of the route access table', () => {
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      HTTP_METHODS.filter((method) => method in item).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    const served = routerRoutes.filter((route) => !route.startsWith('HEAD ') && !route.includes(' /docs/assets/'));
    expect(documented.sort()).toEqual([...new Set(served)].sort());
    expect(documented.sort()).toEqual(SERVED_ROUTES.map(routeKey).sort());
  });

  it('offers both ways to present a credential, and asks for none on the public routes', () => {
    expect(document.components?.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
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

  it("shows the seeds' bodies as examples", () => {
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
});
