import { CommonErrorCode, WardenError } from '@warden/contracts';

// ISO-8601 with a date and a time (and a zone, or UTC is assumed by Date.parse); a bare
// date or a number is refused so that "as of" never means a moment the caller did not name.
const ISO_MOMENT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** The moment an as-of question names, or a validation error on `at`. */
export function parseMoment(at: unknown): Date {
  const moment = typeof at === 'string' && ISO_MOMENT.test(at) ? new Date(at) : undefined;
  if (!moment || Number.isNaN(moment.getTime())) {
    throw new WardenError(CommonErrorCode.ValidationFailed, 'at must be an ISO-8601 date and time', [
      { field: 'at', message: 'must be an ISO-8601 date and time, such as 2025-03-04T14:02:00Z' },
    ]);
  }
  return moment;
}
