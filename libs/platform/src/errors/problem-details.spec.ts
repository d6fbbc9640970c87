import { BadRequestException, HttpException, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { CommonErrorCode, UsersErrorCode, WardenError } from '@warden/contracts';
import { errorCodes } from 'fastify';
import { toErrorPayload, toProblemDetails } from './problem-details';

// What Nest makes of a Fastify error before any filter sees it (RoutesResolver.mapExternalException).
function asNestSeesIt(FastifyError: new () => Error & { statusCode?: number }): HttpException {
  const error = new FastifyError();
  return new HttpException(error.message, error.statusCode!);
}

describe('toProblemDetails', () => {
  it('keeps a WardenError code, detail and field errors', () => {
    const error = new WardenError(UsersErrorCode.InvalidOrganizationSettings, 'Limits must not be negative', [
      { field: 'settings.serviceExternalLimit', message: 'must not be less than 0' },
    ]);
    expect(toProblemDetails(error, { instance: '/api/v1/organizations', correlationId: 'abc-1' })).toEqual({
      type: 'urn:warden:problem:invalid_organization_settings',
      title: 'Invalid organization settings',
      status: 422,
      detail: 'Limits must not be negative',
      code: 'invalid_organization_settings',
      instance: '/api/v1/organizations',
      correlationId: 'abc-1',
      errors: [{ field: 'settings.serviceExternalLimit', message: 'must not be less than 0' }],
    });
  });

  it('leaves out instance, correlation id and errors when there are none', () => {
    const problem = toProblemDetails(
      new WardenError(UsersErrorCode.OrganizationNotFound, 'No organization org_1'),
    );
    expect(problem).toEqual({
      type: 'urn:warden:problem:organization_not_found',
      title: 'Organization not found',
      status: 404,
      detail: 'No organization org_1',
      code: 'organization_not_found',
    });
  });

  it.each([
    [
      'invalid JSON',
      asNestSeesIt(errorCodes.FST_ERR_CTP_INVALID_JSON_BODY),
      CommonErrorCode.MalformedBody,
      400,
    ],
    [
      'an empty JSON body',
      asNestSeesIt(errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY),
      CommonErrorCode.MalformedBody,
      400,
    ],
    [
      'a body over the limit',
      asNestSeesIt(errorCodes.FST_ERR_CTP_BODY_TOO_LARGE),
      CommonErrorCode.PayloadTooLarge,
      413,
    ],
    [
      'an unknown content type',
      asNestSeesIt(errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE),
      CommonErrorCode.UnsupportedMediaType,
      415,
    ],
    ['no route', new NotFoundException('Cannot GET /api/v1/nothing'), CommonErrorCode.RouteNotFound, 404],
    ['a wrong method', new HttpException('Method Not Allowed', 405), CommonErrorCode.MethodNotAllowed, 405],
    [
      'a Nest pipe rejecting a parameter',
      new BadRequestException('Validation failed (uuid is expected)'),
      CommonErrorCode.ValidationFailed,
      400,
    ],
    ['a guard refusing', new UnauthorizedException(), CommonErrorCode.Unauthenticated, 401],
  ])('maps %s to its code', (_kind, exception, code, status) => {
    const problem = toProblemDetails(exception);
    expect(problem.code).toBe(code);
    expect(problem.status).toBe(status);
    expect(problem.detail).toBe(exception.message);
  });

  it('joins the messages of Nest stock validation', () => {
    const exception = new BadRequestException(['name must be a string', 'slug should not be empty']);
    expect(toProblemDetails(exception)).toMatchObject({
      code: 'validation_failed',
      detail: 'name must be a string; slug should not be empty',
    });
  });

  it('never returns the message of an unexpected error', () => {
    const problem = toProblemDetails(new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2'), {
      correlationId: 'c1',
    });
    expect(problem).toEqual({
      type: 'urn:warden:problem:internal_error',
      title: 'Internal error',
      status: 500,
      detail: 'An unexpected error occurred; it has been logged.',
      code: 'internal_error',
      correlationId: 'c1',
    });
  });

  it('hides the message of a 5xx HttpException', () => {
    const problem = toProblemDetails(new HttpException('pool exhausted at db-2', 500));
    expect(problem.code).toBe('internal_error');
    expect(problem.detail).not.toContain('db-2');
  });

  it('treats a thrown non-error value as internal', () => {
    expect(toProblemDetails('boom').code).toBe('internal_error');
    expect(toProblemDetails(undefined).code).toBe('internal_error');
  });
});

describe('toErrorPayload', () => {
  it('sends a WardenError over NATS with its code and field errors', () => {
    const error = new WardenError(CommonErrorCode.ValidationFailed, 'Invalid field: name', [
      { field: 'name', message: 'name must be a string' },
    ]);
    expect(toErrorPayload(error)).toEqual({
      code: 'validation_failed',
      detail: 'Invalid field: name',
      errors: [{ field: 'name', message: 'name must be a string' }],
    });
  });

  it('passes on an RpcException carrying an ErrorPayload', () => {
    expect(toErrorPayload(new RpcException({ code: 'forbidden', detail: 'Not yours' }))).toEqual({
      code: 'forbidden',
      detail: 'Not yours',
    });
  });

  it('sends an unknown error as internal_error without its message', () => {
    const payload = toErrorPayload(new TypeError("Cannot read properties of undefined (reading 'id')"));
    expect(payload.code).toBe('internal_error');
    expect(payload.detail).not.toContain('reading');
  });
});
