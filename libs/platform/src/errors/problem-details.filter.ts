import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { CommonErrorCode } from '@warden/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, throwError } from 'rxjs';
import { correlationIdOfRequest } from '../http/correlation-hook';
import { currentCorrelationId } from '../logging/correlation-context';
import type { WardenLogger } from '../logging/logger';
import { ClassifiedError, classifyError, problemFrom } from './problem-details';

/**
 * The global exception filter of every app: `app.useGlobalFilters(new ProblemDetailsFilter(logger))`.
 * Over HTTP it answers `application/problem+json`; in a NATS handler (a microservice
 * connected with `inheritAppConfig`) it sends the error back as its ErrorPayload.
 * An unexpected error is logged with its stack and leaves only as `internal_error`.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(private readonly logger: WardenLogger) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    const classified = classifyError(exception);
    if (host.getType() === 'rpc') {
      this.report(exception, classified, currentCorrelationId());
      const { code, detail, errors } = classified;
      return throwError(() => (errors ? { code, detail, errors } : { code, detail }));
    }

    const http = host.switchToHttp();
    this.answer(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), classified);
  }

  /**
   * Answers an HTTP request with the problem document of `exception`, as `catch` does; for
   * the refusals a Fastify hook makes before Nest routes the request (authentication).
   */
  answer(exception: unknown, request: FastifyRequest, reply: FastifyReply, classified = classifyError(exception)): void {
    // Body-parsing errors run outside the request's async context; the request still knows its id.
    const correlationId = currentCorrelationId() ?? correlationIdOfRequest(request);
    this.report(exception, classified, correlationId);
    if (reply.sent) return;
    const problem = problemFrom(classified, { instance: request.url.split('?')[0], correlationId });
    void reply
      .status(problem.status)
      .header('content-type', 'application/problem+json; charset=utf-8')
      .send(problem);
  }

  private report(exception: unknown, classified: ClassifiedError, correlationId: string | undefined): void {
    if (!classified.expected) {
      this.logger.error({ err: exception, correlationId }, 'unexpected error');
    } else if (
      classified.code === CommonErrorCode.ServiceUnavailable ||
      classified.code === CommonErrorCode.UpstreamTimeout
    ) {
      // The client's own message names the failure (never a secret: no payload, no credential).
      const cause = classified.unavailable && exception instanceof Error ? `${exception.name}: ${exception.message}`.slice(0, 300) : undefined;
      this.logger.warn(
        { code: classified.code, detail: classified.detail, correlationId, ...(cause ? { dependency: classified.unavailable, cause } : {}) },
        'a service is unavailable',
      );
    }
  }
}
