import { ProblemError } from '../api/warden-api';

/** A refusal of the API, in its own words (the problem document's `detail`). */
export function ProblemAlert({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  const detail = error instanceof ProblemError ? error.problem.detail : error instanceof Error ? error.message : String(error);
  const code = error instanceof ProblemError ? error.problem.code : undefined;
  return (
    <div role="alert" className="problem">
      {detail}
      {code && <span className="problem-code"> ({code})</span>}
    </div>
  );
}
