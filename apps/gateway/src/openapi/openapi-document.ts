import type { INestApplication, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { ApiProperty, ApiPropertyOptions, DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type {
  OperationObject,
  ParameterObject,
  PathItemObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import {
  ActiveOAuthIntrospection,
  ActiveTokenIntrospection,
  ApiTokenOfNewUser,
  AuditErrorCode,
  AuthErrorCode,
  BrokenAuditChain,
  CommonErrorCode,
  ErrorCode,
  InactiveOAuthIntrospection,
  InactiveTokenIntrospection,
  IntactAuditChain,
  LoginResponse,
  MeView,
  TokensErrorCode,
  UsersErrorCode,
  WebhooksErrorCode,
  WhoAmIResponse,
} from '@warden/contracts';
import { httpStatusFor, problemTitleFor } from '@warden/platform';
import { getMetadataStorage } from 'class-validator';
import { ExchangedTokenView } from '../auth/exchanged-token.dto';
import { PUBLIC_ROUTES } from '../auth/public-routes';
import { IDEMPOTENT_METHODS } from '../idempotency/idempotency-key';
import swaggerMetadata from './swagger-metadata.generated';
import { describeValidatedClass } from './validation-schema';

export const OPENAPI_DOCUMENT_PATH = '/api/v1/openapi.json';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type Method = (typeof METHODS)[number];

// Routes answered by the gateway itself, from nothing but the request: no service behind them can be down.
const SELF_ANSWERED = /^\/(health(\/.*)?|metrics|docs|console|api\/v1\/openapi\.json|api\/v1\/auth\/whoami)$/;
// Logins: public, throttled (429), and refused for a wrong password (401).
const LOGIN_ROUTES: ReadonlySet<string> = new Set(['POST /api/v1/auth/login', 'POST /api/v1/auth/console/login']);
// Public, but signed: a secret scanner's alert without a valid signature is a 401.
const SIGNED_ROUTES: ReadonlySet<string> = new Set(['POST /api/v1/secret-scanning/alerts']);

// The error codes a route's service may answer, by the first segment under /api/v1.
const COMMON_CODES: readonly ErrorCode[] = Object.values(CommonErrorCode);
const CODES_BY_AREA: Readonly<Record<string, readonly ErrorCode[]>> = {
  auth: [...Object.values(AuthErrorCode), ...Object.values(TokensErrorCode), UsersErrorCode.UserDeactivated],
  organizations: Object.values(UsersErrorCode),
  users: [...Object.values(UsersErrorCode), ...Object.values(TokensErrorCode)],
  teams: Object.values(UsersErrorCode),
  roles: Object.values(UsersErrorCode),
  tokens: [...Object.values(TokensErrorCode), UsersErrorCode.UserNotFound],
  audit: [...Object.values(AuditErrorCode), UsersErrorCode.UserNotFound, TokensErrorCode.TokenNotFound],
  webhooks: [...Object.values(WebhooksErrorCode), AuditErrorCode.InvalidCursor],
};

const TAGS = [
  { name: 'auth', description: 'Logging in and out, exchanging a login key for an API token, and who a credential stands for.' },
  { name: 'organizations', description: 'Tenants: created by the platform admin, each with its service-account limits and token policy.' },
  { name: 'users', description: 'People and service accounts of an organization.' },
  { name: 'teams', description: 'Named groups of an organization\'s users; a role may apply only within its holder\'s teams.' },
  { name: 'roles', description: 'Warden\'s default roles and an organization\'s custom ones, each a set of permissions.' },
  { name: 'tokens', description: 'API tokens of service accounts: issued, listed, rotated, reassigned, revoked and introspected.' },
  {
    name: 'oauth2',
    description:
      "OAuth 2.0 for service accounts: the token endpoint (client credentials, workload identity federation), introspection, revocation, the server's metadata, and an account's client secrets, keys and federation rules. The /oauth2 endpoints answer in the RFCs' shapes.",
  },
  { name: 'audit', description: 'The hash-chained audit log of every event, and any token or user as it was at a moment.' },
  { name: 'webhooks', description: 'Outbound webhooks (Standard Webhooks): subscriptions, their signing secrets, the delivery log and redelivery.' },
  { name: 'admin', description: 'Read model replays, for the platform admin.' },
  { name: 'operations', description: 'Probes, metrics and this description: public, answered by each instance itself.' },
];

// Hand-written: RFC 7807's document is built by the platform's exception filter, not a class.
const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'RFC 7807 problem details; `code` is stable, `title` fixed per code, `detail` for people.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', format: 'uri-reference', example: 'urn:warden:problem:validation_failed' },
    title: { type: 'string', example: 'The request is invalid' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string' },
    code: { type: 'string', enum: [...COMMON_CODES, ...new Set(Object.values(CODES_BY_AREA).flat())] },
    instance: { type: 'string' },
    correlationId: { type: 'string', description: 'The request\'s correlation id, as in the `x-correlation-id` header' },
    errors: {
      type: 'array',
      description: 'Each field at fault, for validation_failed',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

// Hand-written: the health report is the platform library's, shared by every service, which
// do not load @nestjs/swagger; the gateway describes the routes it serves from it.
const HEALTH_REPORT_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: {
      type: 'string',
      enum: ['ok', 'degraded', 'unavailable'],
      description: '`degraded` still serves (the relay lags, or a read model is being rebuilt); `unavailable` answers 503',
    },
    checks: {
      type: 'object',
      description: 'Each dependency by name (postgres, nats, redis, relay...)',
      additionalProperties: {
        type: 'object',
        required: ['status', 'latencyMs'],
        properties: {
          status: { type: 'string', enum: ['up', 'down', 'degraded'] },
          detail: { type: 'string' },
          latencyMs: { type: 'number' },
        },
      },
    },
  },
};

const healthResponses = (what: string): Record<string, ResponseObject> => ({
  '200': { description: `${what}: every check is up, or degraded`, content: { 'application/json': { schema: { $ref: '#/components/schemas/HealthReport' } } } },
  '503': { description: `${what}: a dependency is down`, content: { 'application/json': { schema: { $ref: '#/components/schemas/HealthReport' } } } },
});

// The platform library's routes (its controllers serve every service, which do not load @nestjs/swagger).
const PLATFORM_OPERATIONS: Readonly<Record<string, Pick<OperationObject, 'operationId' | 'summary' | 'description' | 'responses'>>> = {
  'GET /health': {
    operationId: 'health.check',
    summary: 'Readiness (alias of /health/ready)',
    description: 'As `GET /health/ready`.',
    responses: healthResponses('Ready'),
  },
  'GET /health/ready': {
    operationId: 'health.ready',
    summary: 'Readiness',
    description: 'Whether this instance can serve: 200 with each check when it can, 503 when a dependency is down (take it out of rotation).',
    responses: healthResponses('Ready'),
  },
  'GET /health/live': {
    operationId: 'health.live',
    summary: 'Liveness',
    description: 'The process is up and its event loop turns; nothing else is checked.',
    responses: {
      '200': {
        description: 'Alive',
        content: { 'application/json': { schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } } },
      },
    },
  },
  'GET /metrics': {
    operationId: 'metrics.scrape',
    summary: 'Prometheus metrics',
    description: 'Counts and latencies of this instance in the Prometheus text format; no identifiers. Keep it off the public network.',
    responses: { '200': { description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
  },
};

// Hand-written: what the plugin cannot read from a class. It types a literal (`true`, `null`)
// as its primitive, and an index signature as an object of anything.
const PERMISSIONS_MAP: SchemaObject = {
  type: 'object',
  description: 'Each permission held (`tokens:write`...), and where it applies',
  additionalProperties: { type: 'string', enum: ['organization', 'team'] },
};
const SCHEMA_FIXES: readonly [Type<unknown>, Record<string, SchemaObject>][] = [
  [ActiveTokenIntrospection, { active: { type: 'boolean', enum: [true] }, permissions: PERMISSIONS_MAP }],
  [InactiveTokenIntrospection, { active: { type: 'boolean', enum: [false] } }],
  [ActiveOAuthIntrospection, { active: { type: 'boolean', enum: [true] }, permissions: PERMISSIONS_MAP }],
  [InactiveOAuthIntrospection, { active: { type: 'boolean', enum: [false] } }],
  [IntactAuditChain, { intact: { type: 'boolean', enum: [true] } }],
  [BrokenAuditChain, { intact: { type: 'boolean', enum: [false] } }],
  [ApiTokenOfNewUser, { enabled: { type: 'boolean', enum: [true] } }],
  [LoginResponse, { domain: { type: 'null' } }],
  [ExchangedTokenView, { domain: { type: 'null' } }],
  [WhoAmIResponse, { permissions: PERMISSIONS_MAP }],
  [MeView, { permissions: PERMISSIONS_MAP }],
];

const CORRELATION_ID = 'x-correlation-id';
// Where the plugin's metadata of a class is kept (@nestjs/swagger's METADATA_FACTORY_NAME).
const METADATA_FACTORY = '_OPENAPI_METADATA_FACTORY';

/** Reads the metadata @nestjs/swagger's plugin wrote ahead of time (swagger-metadata.generated.ts); once, before describeApi. */
export function loadApiMetadata(): Promise<void> {
  return SwaggerModule.loadPluginMetadata(swaggerMetadata);
}

/**
 * The OpenAPI 3.1 document of the gateway, read from its controllers: every route with its
 * summary, inputs (with the constraints the validators enforce), answers and the problem codes
 * it may answer, the headers it takes and gives, and both ways to present a credential.
 */
export function describeApi(app: INestApplication): OpenAPIObject {
  for (const target of validatedClassesOf(app)) describeValidatedClass(target);
  applySchemaFixes();
  const builder = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Warden')
    .setDescription(
      'Service accounts and API tokens for machines. Every route but login, health, metrics and this ' +
        'description needs a credential: a login key or an API token, as `Authorization: Bearer <key>` ' +
        'or `x-api-key: <key>`. Errors are RFC 7807 problem documents with a stable `code`. Every POST and ' +
        'PATCH but login takes an `Idempotency-Key`; every answer carries the request\'s `x-correlation-id`.',
    )
    .setVersion('1')
    .setLicense('UNLICENSED: proprietary, all rights reserved', 'https://docs.npmjs.com/cli/configuring-npm/package-json#license')
    .addServer('/', 'The gateway that serves this document')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque',
        description:
          'An opaque Warden secret, not a JWT: a login key (`wdn_s_...`, from POST /api/v1/auth/login) or an ' +
          'API token (`wdn_p_...`), 44 characters with a checksum. Only its SHA-256 is stored.',
      },
      'bearer',
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The same credential (a login key or an API token) in its own header' },
      'api_key',
    )
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('api_key');
  for (const tag of TAGS) builder.addTag(tag.name, tag.description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    operationIdFactory: (controller, method) => `${controller.charAt(0).toLowerCase()}${controller.slice(1).replace(/Controller$/, '')}.${method}`,
  });
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ProblemDetails: PROBLEM_SCHEMA, HealthReport: HEALTH_REPORT_SCHEMA },
    parameters: {
      CorrelationId: {
        name: CORRELATION_ID,
        in: 'header',
        required: false,
        description: 'Your id for this request (printable ASCII, up to 128 characters); one is made when absent. Echoed in the answer, the logs and the audit log.',
        schema: { type: 'string', maxLength: 128 },
      },
      IdempotencyKey: {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description:
          'Makes a retry safe: the same key from the same credential within 24 hours gets the first answer again ' +
          '(with `Idempotent-Replayed: true`) and the command does not run twice. Printable ASCII, up to 255 characters, such as a UUID.',
        schema: { type: 'string', minLength: 1, maxLength: 255 },
        example: '3f2c9a52-8a1e-4c55-9d0b-0c5d8f1e2a77',
      },
    },
    headers: {
      CorrelationId: { description: 'The request\'s correlation id: the one sent, or the one made for it', schema: { type: 'string' } },
      IdempotentReplayed: { description: '`true` when this is the stored answer of an earlier request with the same `Idempotency-Key`', schema: { type: 'string', enum: ['true'] } },
      RetryAfter: { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } },
    },
  };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = (item as PathItemObject)[method];
      if (operation) describeOperation(path, method, operation);
    }
  }
  rewriteNullable(document);
  return document;
}

function describeOperation(path: string, method: Method, operation: OperationObject): void {
  const route = `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
  const isPublic = PUBLIC_ROUTES.has(route);
  const platform = PLATFORM_OPERATIONS[route];
  if (platform) {
    Object.assign(operation, platform);
    operation.tags = ['operations'];
  }
  if (path === OPENAPI_DOCUMENT_PATH || path === '/docs' || path === '/console') operation.tags = ['operations'];
  if (isPublic) operation.security = [];
  const idempotent = IDEMPOTENT_METHODS.has(method.toUpperCase()) && !isPublic;
  operation.parameters = [
    ...(operation.parameters ?? []),
    ...(idempotent ? [{ $ref: '#/components/parameters/IdempotencyKey' }] : []),
    { $ref: '#/components/parameters/CorrelationId' },
  ] as (ParameterObject | ReferenceObject)[];

  const area = /^\/api\/v1\/([^/]+)/.exec(path)?.[1];
  const codes: ErrorCode[] = [...COMMON_CODES, ...((area === undefined ? undefined : CODES_BY_AREA[area]) ?? [])];
  const hasInput = operation.requestBody !== undefined || (operation.parameters?.length ?? 0) > 1;
  const statuses = new Set<number>();
  if (hasInput || idempotent) statuses.add(400);
  if (operation.requestBody) [413, 415].forEach((status) => statuses.add(status));
  if (!isPublic) [401, 403].forEach((status) => statuses.add(status));
  // a resource named in the path, the body or the query may be missing (or another organization's)
  if (path.includes('{') || (hasInput && !isPublic)) statuses.add(404);
  if (method !== 'get' && !isPublic) [409, 422].forEach((status) => statuses.add(status));
  if (LOGIN_ROUTES.has(route)) [401, 429].forEach((status) => statuses.add(status));
  if (SIGNED_ROUTES.has(route)) statuses.add(401);
  // the console's login comes only from the console's origin; its page is there once built
  if (route === 'POST /api/v1/auth/console/login') statuses.add(403);
  if (route === 'GET /console') statuses.add(404);
  if (!SELF_ANSWERED.test(path)) statuses.add(503);
  for (const status of [...statuses].sort()) {
    // A status the route describes itself (the /oauth2 endpoints' RFC 6749 errors) is left as it is.
    if (operation.responses[String(status)] !== undefined) continue;
    const answered = codes.filter((code) => httpStatusFor(code) === status && (status !== 429 || LOGIN_ROUTES.has(route)));
    if (answered.length === 0) continue;
    operation.responses[String(status)] = {
      description: answered.map((code) => `\`${code}\`: ${problemTitleFor(code)}`).join('; '),
      ...(status === 429 ? { headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } } : {}),
      content: {
        'application/problem+json': {
          schema: { allOf: [{ $ref: '#/components/schemas/ProblemDetails' }, { type: 'object', properties: { code: { type: 'string', enum: answered } } }] },
        },
      },
    };
  }
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    if (!response || '$ref' in response) continue;
    if (!response.description) response.description = 'Success';
    response.headers = {
      ...response.headers,
      [CORRELATION_ID]: { $ref: '#/components/headers/CorrelationId' },
      ...(idempotent && status.startsWith('2') ? { 'Idempotent-Replayed': { $ref: '#/components/headers/IdempotentReplayed' } } : {}),
    };
  }
}

function applySchemaFixes(): void {
  for (const [target, properties] of SCHEMA_FIXES) {
    const read = (target as { [METADATA_FACTORY]?: () => Record<string, unknown> })[METADATA_FACTORY]?.() ?? {};
    for (const [property, schema] of Object.entries(properties)) {
      // a fix for a property that is gone must not linger unseen
      if (!(property in read)) throw new Error(`the API description has no ${target.name}.${property} to describe`);
      ApiProperty(schema as ApiPropertyOptions)(target.prototype as object, property);
    }
  }
}

// @nestjs/swagger writes OpenAPI 3.0's `nullable: true`; 3.1 spells it as a type union, or
// as a choice between a reference and null.
function rewriteNullable(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(rewriteNullable);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const schema = node as Record<string, unknown>;
  if (schema['nullable'] === true) {
    delete schema['nullable'];
    // a nullable class is written as `allOf: [its $ref]` beside `type: object`
    if (Array.isArray(schema['allOf']) && schema['allOf'].length === 1) {
      schema['oneOf'] = [schema['allOf'][0], { type: 'null' }];
      delete schema['allOf'];
      delete schema['type'];
    } else if (typeof schema['type'] === 'string') schema['type'] = [schema['type'], 'null'];
  }
  Object.values(schema).forEach(rewriteNullable);
}

// The classes the ValidationPipe checks: every parameter type of a route handler that has validators.
function validatedClassesOf(app: INestApplication): Set<Type<unknown>> {
  const classes = new Set<Type<unknown>>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const prototype = (wrapper.metatype as Type<unknown> | null)?.prototype as Record<string, unknown> | undefined;
      if (!prototype) continue;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const parameterTypes = (Reflect.getMetadata('design:paramtypes', prototype, name) as unknown[] | undefined) ?? [];
        for (const type of parameterTypes) {
          if (typeof type !== 'function') continue;
          const validated = getMetadataStorage().getTargetValidationMetadatas(type as Type<unknown>, '', true, false).length > 0;
          if (validated) classes.add(type as Type<unknown>);
        }
      }
    }
  }
  return classes;
}
