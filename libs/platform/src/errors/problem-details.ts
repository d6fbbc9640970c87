import { HttpException } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import {
  CommonErrorCode,
  ErrorCode,
  ErrorPayload,
  ProblemDetails,
  WardenError,
  isErrorCode,
  isErrorPayload,
} from '@warden/contracts';
import { errorCodes } from 'fastify';
import { unavailableDependencyOf } from './dependency-unavailable';
import { httpStatusFor, problemTitleFor, problemTypeFor } from './http-status';

/** What a failure becomes before it leaves a process: a code, a safe detail, field errors. */
export interface ClassifiedError extends ErrorPayload {
  /** False when the error was not raised on purpose; it must be logged, its detail is generic. */
  expected: boolean;
  /** For the log only: the server found unavailable (`postgres`, `redis`, `nats`, `network`). */
  unavailable?: string;
}

const INTERNAL_DETAIL = 'An unexpected error occurred; it has been logged.';
const UNAVAILABLE_DETAIL = 'A server this service depends on is unavailable; retry later.';

// Nest turns Fastify's content-type parser errors (invalid or empty JSON, bad
// Content-Length) into a bare HttpException(message, 400) and drops their FST_ERR_CTP_*
// code, so they are recognised by their fixed messages.
const MALFORMED_BODY_MESSAGES = new Set(
  [
    errorCodes.FST_ERR_CTP_INVALID_JSON_BODY,
    errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY,
    errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH,
  ].map((FastifyError) => new FastifyError().message),
);

export function classifyError(error: unknown): ClassifiedError {
  if (isWardenError(error)) return { ...error.toPayload(), expected: true };
  if (error instanceof RpcException && isErrorPayload(error.getError())) {
    return { ...(error.getError() as ErrorPayload), expected: true };
  }
  if (error instanceof HttpException) return classifyHttpException(error);
  const unavailable = unavailableDependencyOf(error);
  if (unavailable) return { code: CommonErrorCode.ServiceUnavailable, detail: UNAVAILABLE_DETAIL, expected: true, unavailable };
  return { code: CommonErrorCode.Internal, detail: INTERNAL_DETAIL, expected: false };
}

/** The RFC 7807 document for any error; an unexpected one yields `internal_error` and no detail. */
export function toProblemDetails(
  error: unknown,
  options: { instance?: string; correlationId?: string } = {},
): ProblemDetails {
  return problemFrom(classifyError(error), options);
}

export function problemFrom(
  { code, detail, errors }: ErrorPayload,
  options: { instance?: string; correlationId?: string } = {},
): ProblemDetails {
  return {
    type: problemTypeFor(code),
    title: problemTitleFor(code),
    status: httpStatusFor(code),
    detail,
    code,
    ...(options.instance ? { instance: options.instance } : {}),
    ...(options.correlationId ? { correlationId: options.correlationId } : {}),
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/** How any error travels back over NATS. */
export function toErrorPayload(error: unknown): ErrorPayload {
  const { code, detail, errors } = classifyError(error);
  return errors ? { code, detail, errors } : { code, detail };
}

function isWardenError(error: unknown): error is WardenError {
  // instanceof alone fails when two copies of the contracts library are loaded.
  return (
    error instanceof WardenError ||
    (error instanceof Error &&
      error.name === 'WardenError' &&
      isErrorCode((error as WardenError).code) &&
      typeof (error as WardenError).toPayload === 'function')
  );
}

function classifyHttpException(exception: HttpException): ClassifiedError {
  const status = exception.getStatus();
  if (status >= 500) {
    const code = status === 503 ? CommonErrorCode.ServiceUnavailable : CommonErrorCode.Internal;
    return {
      code,
      detail: code === CommonErrorCode.Internal ? INTERNAL_DETAIL : exception.message,
      expected: code !== CommonErrorCode.Internal,
    };
  }
  // Below 500 the message comes from Nest or Fastify (`Cannot GET /x`, `Unsupported Media Type`): safe to show.
  return { code: codeForClientStatus(status, exception), detail: clientDetailOf(exception), expected: true };
}

function codeForClientStatus(status: number, exception: HttpException): ErrorCode {
  switch (status) {
    case 400:
      return MALFORMED_BODY_MESSAGES.has(exception.message)
        ? CommonErrorCode.MalformedBody
        : CommonErrorCode.ValidationFailed;
    case 401:
      return CommonErrorCode.Unauthenticated;
    case 403:
      return CommonErrorCode.Forbidden;
    case 404:
      return CommonErrorCode.RouteNotFound;
    case 405:
      return CommonErrorCode.MethodNotAllowed;
    case 413:
      return CommonErrorCode.PayloadTooLarge;
    case 415:
      return CommonErrorCode.UnsupportedMediaType;
    case 422:
      return CommonErrorCode.ValidationFailed;
    case 429:
      return CommonErrorCode.RateLimited;
    default:
      // 406, 411, 431 and the like: the request itself cannot be handled as sent.
      return CommonErrorCode.MalformedBody;
  }
}

// Nest's stock pipes answer `{ message: string[] }`, and then exception.message is only "Bad Request Exception".
function clientDetailOf(exception: HttpException): string {
  const response = exception.getResponse();
  const messages =
    typeof response === 'object' && response !== null
      ? (response as { message?: unknown }).message
      : undefined;
  return Array.isArray(messages) ? messages.map(String).join('; ') : exception.message;
}
