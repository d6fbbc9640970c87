import { ValidationPipe } from '@nestjs/common';
import { CommonErrorCode, FieldError, WardenError } from '@warden/contracts';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { ValidationError, validate } from 'class-validator';

const VALIDATION_OPTIONS = { whitelist: true, forbidNonWhitelisted: true } as const;

/**
 * Validates every DTO parameter: unknown properties are refused (not silently dropped),
 * values are converted to the DTO's class, and a failure is a WardenError naming each field.
 */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...VALIDATION_OPTIONS,
    transform: true,
    exceptionFactory: (errors) => validationFailed(errors),
  });
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
