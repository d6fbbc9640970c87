import type { INestApplication, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject, PathItemObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { AuditErrorCode, AuthErrorCode, CommonErrorCode, ErrorCode, TokensErrorCode, UsersErrorCode } from '@warden/contracts';
import { httpStatusFor, problemTitleFor } from '@warden/platform';
import { getMetadataStorage } from 'class-validator';
import { PUBLIC_ROUTES } from '../auth/public-routes';
import { describeValidatedClass } from './validation-schema';

export const OPENAPI_DOCUMENT_PATH = '/api/v1/openapi.json';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type Method = (typeof METHODS)[number];

// Routes answered by the gateway itself, from nothing but the request: no service behind them can be down.
const SELF_ANSWERED = /^\/(health(\/.*)?|metrics|docs|api\/v1\/openapi\.json|api\/v1\/auth\/whoami)$/;

// The error codes a route's service may answer, by the first segment under /api/v1.
const COMMON_CODES: readonly ErrorCode[] = Object.values(CommonErrorCode);
const CODES_BY_AREA: Readonly<Record<string, readonly ErrorCode[]>> = {
  auth: [...Object.values(AuthErrorCode), ...Object.values(TokensErrorCode), UsersErrorCode.UserDeactivated],
  organizations: Object.values(UsersErrorCode),
  users: [...Object.values(UsersErrorCode), ...Object.values(TokensErrorCode)],
  teams: Object.values(UsersErrorCode),
  roles: Object.values(UsersErrorCode),
  tokens: [...Object.values(TokensErrorCode), UsersErrorCode.UserNotFound],
  audit: [...Object.values(AuditErrorCode), UsersErrorCode.UserNotFound],
};

const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'RFC 7807 problem details; `code` is stable, `title` fixed per code, `detail` for people.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', format: 'uri', example: 'urn:warden:problem:validation_failed' },
    title: { type: 'string', example: 'The request is invalid' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string' },
    code: { type: 'string', enum: [...COMMON_CODES, ...new Set(Object.values(CODES_BY_AREA).flat())] },
    instance: { type: 'string' },
    correlationId: { type: 'string' },
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

/**
 * The OpenAPI 3.1 document of the gateway, read from its controllers: every route, each
 * body and query with the constraints its validators enforce, both ways to present a
 * credential, and for each route the problem codes it may answer.
 */
export function describeApi(app: INestApplication): OpenAPIObject {
  for (const target of validatedClassesOf(app)) describeValidatedClass(target);
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Warden')
    .setDescription(
      'Service accounts and API tokens for machines. Every route but login, health, metrics and this ' +
        'description needs a credential: a login key or an API token, as `Authorization: Bearer <key>` ' +
        'or `x-api-key: <key>`. Errors are RFC 7807 problem documents with a stable `code`.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A login key (POST /api/v1/auth/login) or an API token' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The same credential, in its own header' }, 'api_key')
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('api_key')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ProblemDetails: PROBLEM_SCHEMA } };
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
  if (isPublic) operation.security = [];
  for (const response of Object.values(operation.responses ?? {})) {
    if (response && 'description' in response && !response.description) response.description = 'Success';
  }
  const area = /^\/api\/v1\/([^/]+)/.exec(path)?.[1];
  const codes: ErrorCode[] = [...COMMON_CODES, ...((area === undefined ? undefined : CODES_BY_AREA[area]) ?? [])];
  const hasInput = operation.requestBody !== undefined || (operation.parameters?.length ?? 0) > 0;
  const statuses = new Set<number>();
  if (hasInput) statuses.add(400);
  if (operation.requestBody) [413, 415].forEach((status) => statuses.add(status));
  if (!isPublic) [401, 403].forEach((status) => statuses.add(status));
  if (path.includes('{')) statuses.add(404);
  if (method !== 'get' && !isPublic) [409, 422].forEach((status) => statuses.add(status));
  if (route === 'POST /api/v1/auth/login') [401, 429].forEach((status) => statuses.add(status));
  if (!SELF_ANSWERED.test(path)) statuses.add(503);
  for (const status of [...statuses].sort()) {
    const answered = codes.filter((code) => httpStatusFor(code) === status && (status !== 429 || route === 'POST /api/v1/auth/login'));
    if (answered.length === 0) continue;
    operation.responses[String(status)] = {
      description: answered.map((code) => `\`${code}\`: ${problemTitleFor(code)}`).join('; '),
      content: {
        'application/problem+json': {
          schema: { allOf: [{ $ref: '#/components/schemas/ProblemDetails' }, { type: 'object', properties: { code: { type: 'string', enum: answered } } }] },
        },
      },
    };
  }
}

// @nestjs/swagger writes OpenAPI 3.0's `nullable: true`; 3.1 spells it as a type union.
function rewriteNullable(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(rewriteNullable);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const schema = node as Record<string, unknown>;
  if (schema['nullable'] === true) {
    delete schema['nullable'];
    if (typeof schema['type'] === 'string') schema['type'] = [schema['type'], 'null'];
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
