import type { ProblemDetails } from '@warden/contracts';
import { ExitCode, exitCodeForStatus } from './exit-codes';

/** A failure the CLI reports on stderr and turns into its exit code. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/**
 * The gateway's answer was an error. `problem` is its RFC 7807 document, or what could be
 * made of an answer that was not one (a proxy's HTML page, say): status and title only.
 */
export type ApiProblem = Pick<ProblemDetails, 'status' | 'title'> & Partial<Omit<ProblemDetails, 'status' | 'title'>>;

export class ApiError extends CliError {
  override readonly name = 'ApiError';
  constructor(readonly problem: ApiProblem) {
    super(problem.detail ?? problem.title, exitCodeForStatus(problem.status));
  }
}

/** Accepts a parsed body as a problem document only when it has the fields every one has. */
export function problemFrom(status: number, statusText: string, body: unknown): ApiProblem {
  if (typeof body === 'object' && body !== null) {
    const candidate = body as Record<string, unknown>;
    if (typeof candidate['title'] === 'string' && typeof candidate['status'] === 'number') return candidate as unknown as ApiProblem;
  }
  return { status, title: statusText || `HTTP ${status}` };
}

/** How a problem reads on stderr: the detail, its code and status, each field at fault. */
export function formatProblem(problem: ApiProblem): string {
  const code = problem.code ? `${problem.code}, ` : '';
  const lines = [`error: ${problem.detail ?? problem.title} (${code}HTTP ${problem.status})`];
  for (const fault of problem.errors ?? []) lines.push(`  ${fault.field}: ${fault.message}`);
  if (problem.correlationId) lines.push(`  correlation id: ${problem.correlationId}`);
  return `${lines.join('\n')}\n`;
}
