import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { CommonErrorCode, FieldError, WardenError } from '@warden/contracts';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { ValidationError, validate } from 'class-validator';

const VALIDATION_OPTIONS = { whitelist: true, forbidNonWhitelisted: true } as const;

/**
 * Validates every DTO parameter: unknown properties are refused (not silently dropped),
 * values are converted to the DTO's class, and a failure is a WardenError naming each field.
 */
export function validationPipe(): ValidationPipe {
  return new GuardedValidationPipe({
    ...VALIDATION_OPTIONS,
    transform: true,
    exceptionFactory: (errors) => validationFailed(errors),
  });
}

/** Deeper than any DTO goes. Nest's pipe and class-transformer recurse, so a deeper body would overflow the stack (a 500). */
export const MAX_NESTING_DEPTH = 32;

class GuardedValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // a DTO body is an object or absent: `null` or `[]` must not pass as "every field omitted"
    if (metadata.type === 'body' && value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new WardenError(CommonErrorCode.ValidationFailed, 'The request body must be a JSON object');
    }
    const fault = unstorableInputFault(value, MAX_NESTING_DEPTH);
    if (fault) throw new WardenError(CommonErrorCode.ValidationFailed, fault);
    return super.transform(value, metadata);
  }
}

// PostgreSQL text and jsonb hold neither U+0000 nor half of a surrogate pair.
const UNSTORABLE_CHARACTER = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why a request's values cannot be taken as they are: nested deeper than `depthLimit`, or a
 * string (key or value) with a character no store can hold. Walks without recursion, so a
 * hostile depth cannot overflow the check itself.
 */
export function unstorableInputFault(value: unknown, depthLimit: number): string | undefined {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (typeof current === 'string') {
      if (UNSTORABLE_CHARACTER.test(current)) return 'The request holds a NUL character or half of a surrogate pair';
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= depthLimit) return `The request nests values deeper than ${depthLimit} levels`;
    for (const [key, child] of Object.entries(current)) pending.push([key, depth + 1], [child, depth + 1]);
  }
  return undefined;
}

/** The same rules for a payload that arrives without a pipe (a NATS envelope's payload). */
export async function validateDto<T extends object>(dto: ClassConstructor<T>, value: unknown): Promise<T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WardenError(CommonErrorCode.ValidationFailed, 'The request body must be a JSON object');
  }
  const instance = plainToInstance(dto, value);
  const errors = await validate(instance, VALIDATION_OPTIONS);
  if (errors.length > 0) throw validationFailed(errors);
  return instance;
}

export function validationFailed(errors: ValidationError[]): WardenError {
  const fieldErrors = flattenValidationErrors(errors);
  const fields = [...new Set(fieldErrors.map((error) => error.field))];
  return new WardenError(
    CommonErrorCode.ValidationFailed,
    `Invalid field${fields.length === 1 ? '' : 's'}: ${fields.join(', ')}`,
    fieldErrors,
  );
}

/** class-validator's tree as one error per broken rule, with the full path: `settings.serviceExternalLimit`, `members[2].role`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = joinPath(parent, error.property);
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}
