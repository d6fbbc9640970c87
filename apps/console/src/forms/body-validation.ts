import bodySchemas from 'virtual:warden-body-schemas';
import { ProblemError } from '../api/warden-api';

// A form is checked against its body's schema in the API description before it is sent:
// the constraints the gateway's validators enforce, in one place. What only the services
// know (a taken username, the service-account limit) comes back as a problem document,
// whose `errors` are shown at their fields the same way.

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  required?: string[];
  properties?: Record<string, Schema>;
  oneOf?: Schema[];
}

export type BodyName = keyof typeof bodySchemas & string;
export type FieldErrors = Record<string, string>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function typesOf(schema: Schema): string[] {
  return schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
}

function valueProblem(schema: Schema, value: unknown): string | undefined {
  const types = typesOf(schema);
  if (value === null) return types.includes('null') ? undefined : 'Required';
  if (typeof value === 'string') {
    if (types.length > 0 && !types.includes('string')) return 'Not a valid value';
    if (schema.enum && !schema.enum.includes(value)) return `One of: ${schema.enum.join(', ')}`;
    if (schema.minLength !== undefined && value.length < schema.minLength) return schema.minLength === 1 ? 'Required' : `At least ${schema.minLength} characters`;
    if (schema.maxLength !== undefined && value.length > schema.maxLength) return `At most ${schema.maxLength} characters`;
    if (schema.format === 'uuid' && !UUID.test(value)) return 'Not a valid id';
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) return 'Not a valid date and time';
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) return 'Not in the expected form';
    return undefined;
  }
  if (typeof value === 'number') {
    if (!types.some((type) => type === 'number' || type === 'integer')) return 'Not a valid value';
    if (Number.isNaN(value)) return 'A number is required';
    if (types.includes('integer') && !Number.isInteger(value)) return 'A whole number is required';
    if (schema.minimum !== undefined && value < schema.minimum) return `At least ${schema.minimum}`;
    if (schema.maximum !== undefined && value > schema.maximum) return `At most ${schema.maximum}`;
    return undefined;
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return `At least ${schema.minItems}`;
    if (schema.maxItems !== undefined && value.length > schema.maxItems) return `At most ${schema.maxItems}`;
    const items = schema.items;
    if (items === undefined) return undefined;
    for (const item of value) {
      const problem = items.oneOf ? (items.oneOf.some((choice) => valueProblem(choice, item) === undefined) ? undefined : 'Not a valid value') : valueProblem(items, item);
      if (problem !== undefined) return `${String(item)}: ${problem}`;
    }
  }
  return undefined;
}

/** Each field of `body` at fault against the API description's `name` schema (nested fields as `settings.max_token_lifetime_seconds`). */
export function validateBody(name: BodyName, body: Record<string, unknown>): FieldErrors {
  return validateObject(bodySchemas[name] as Schema, body, '');
}

function validateObject(schema: Schema, body: Record<string, unknown>, prefix: string): FieldErrors {
  const errors: FieldErrors = {};
  for (const field of schema.required ?? []) {
    if (body[field] === undefined || body[field] === '') errors[prefix + field] = 'Required';
  }
  for (const [field, value] of Object.entries(body)) {
    const property = schema.properties?.[field];
    if (value === undefined || property === undefined || errors[prefix + field]) continue;
    const nested = (property as { $ref?: string }).$ref?.split('/').pop();
    if (nested !== undefined && value !== null && typeof value === 'object') {
      Object.assign(errors, validateObject(bodySchemas[nested as BodyName] as Schema, value as Record<string, unknown>, `${prefix}${field}.`));
      continue;
    }
    const problem = valueProblem(property, value);
    if (problem !== undefined) errors[prefix + field] = problem;
  }
  return errors;
}

/** The fields a refusal of the API names, to show beside them. */
export function fieldErrorsOf(error: unknown): FieldErrors {
  if (!(error instanceof ProblemError)) return {};
  return Object.fromEntries((error.problem.errors ?? []).map(({ field, message }) => [field, message]));
}
