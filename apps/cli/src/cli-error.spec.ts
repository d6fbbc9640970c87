import { ApiError, formatProblem, problemFrom } from './cli-error';
import { ExitCode } from './exit-codes';

describe('problems from the API', () => {
  it('keeps a problem document as the gateway sent it', () => {
    const document = { type: 'about:blank', title: 'Not Found', status: 404, detail: 'No token abc', code: 'token_not_found', correlationId: 'c-1' };
    expect(problemFrom(404, 'Not Found', document)).toBe(document);
  });

  it('makes a problem of an answer that is not one', () => {
    expect(problemFrom(502, 'Bad Gateway', undefined)).toEqual({ status: 502, title: 'Bad Gateway' });
    expect(problemFrom(502, '', { message: 'upstream' })).toEqual({ status: 502, title: 'HTTP 502' });
  });

  it('reads on stderr as the detail, the code and status, each field at fault and the correlation id', () => {
    const text = formatProblem({
      title: 'Validation failed',
      status: 422,
      detail: 'The request is invalid',
      code: 'validation_failed' as never,
      errors: [{ field: 'username', message: 'must not contain spaces' }],
      correlationId: 'c-2',
    });
    expect(text).toBe('error: The request is invalid (validation_failed, HTTP 422)\n  username: must not contain spaces\n  correlation id: c-2\n');
  });

  it('turns the status into the exit code', () => {
    expect(new ApiError({ status: 409, title: 'Conflict' }).exitCode).toBe(ExitCode.Conflict);
    expect(new ApiError({ status: 401, title: 'Unauthorized' }).exitCode).toBe(ExitCode.Auth);
  });
});
