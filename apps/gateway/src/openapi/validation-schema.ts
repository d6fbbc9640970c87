import { ApiProperty } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ValidationTypes, getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

// SWC compiles the app, so the swagger CLI plugin never reads the DTOs. Rather than repeat
// every constraint in an @ApiProperty beside its validator (and let the two drift), the
// schema of a body or query class is read from the class-validator decorators that the
// ValidationPipe enforces: what the document says is what the gateway checks.

type Constructor = abstract new (...args: never[]) => unknown;

export interface PropertySchema {
  schema: SchemaObject;
  required: boolean;
}

// The validators this project uses, each as the schema keywords it implies. `each` moves
// a keyword onto the array's items.
function keywordsOf(metadata: ValidationMetadata): SchemaObject | undefined {
  const [first, second] = (metadata.constraints ?? []) as unknown[];
  switch (metadata.name) {
    case 'isString':
      return { type: 'string' };
    case 'isInt':
      return { type: 'integer' };
    case 'isBoolean':
      return { type: 'boolean' };
    case 'isObject':
      return { type: 'object' };
    case 'isArray':
      return { type: 'array' };
    case 'isUuid':
      return { type: 'string', format: 'uuid' };
    case 'isIso8601':
      return { type: 'string', format: 'date-time' };
    case 'isIn':
      return { enum: [...(first as unknown[])] };
    case 'isLength':
      return second === undefined ? { minLength: first as number } : { minLength: first as number, maxLength: second as number };
    case 'maxLength':
      return { maxLength: first as number };
    case 'minLength':
      return { minLength: first as number };
    case 'min':
      return { minimum: first as number };
    case 'max':
      return { maximum: first as number };
    case 'arrayMaxSize':
      return { maxItems: first as number };
    case 'arrayMinSize':
      return { minItems: first as number };
    case 'matches':
      return { type: 'string', pattern: (first instanceof RegExp ? first.source : String(first)) };
    case 'isRoleReference':
      return {
        oneOf: [
          { type: 'string', minLength: 1, maxLength: 64, description: 'a role name' },
          {
            type: 'object',
            required: ['name'],
            additionalProperties: false,
            properties: { name: { type: 'string', minLength: 1, maxLength: 64 } },
          },
        ],
      };
    default:
      return undefined;
  }
}

/** The schema of each validated property of a class, with whether it is required. */
export function validatedProperties(target: Constructor): Map<string, PropertySchema & { nested?: Constructor }> {
  const all = getMetadataStorage().getTargetValidationMetadatas(target as unknown as new () => unknown, '', true, false);
  const properties = new Map<string, PropertySchema & { nested?: Constructor; items: SchemaObject; nullable: boolean; optional: boolean }>();
  for (const metadata of all) {
    const name = metadata.propertyName;
    const entry = properties.get(name) ?? { schema: {}, items: {}, required: false, nullable: false, optional: false };
    properties.set(name, entry);
    if (metadata.type === ValidationTypes.IS_DEFINED) entry.required = true;
    else if (metadata.type === ValidationTypes.CONDITIONAL_VALIDATION) {
      if (metadata.name === 'isOptional') entry.optional = true;
      // ValidateIf(value !== null): the only conditional this project uses lets null through.
      else entry.nullable = true;
    } else if (metadata.type === ValidationTypes.NESTED_VALIDATION) {
      const type = Reflect.getMetadata('design:type', target.prototype as object, name) as Constructor | undefined;
      if (type && type !== Object && type !== Array) entry.nested = type;
    } else {
      const keywords = keywordsOf(metadata);
      if (keywords) Object.assign(metadata.each ? entry.items : entry.schema, keywords);
    }
  }
  const result = new Map<string, PropertySchema & { nested?: Constructor }>();
  for (const [name, entry] of properties) {
    const schema: SchemaObject = { ...entry.schema };
    if (Object.keys(entry.items).length > 0) schema.items = entry.items;
    // OpenAPI 3.1 spells this `type: [..., 'null']`; describeApi rewrites it so.
    if (entry.nullable) schema.nullable = true;
    result.set(name, { schema, required: entry.required || !entry.optional, ...(entry.nested ? { nested: entry.nested } : {}) });
  }
  return result;
}

const described = new WeakSet<Constructor>();

/**
 * Gives every validated property of the class (and of the classes nested in it) the
 * @ApiProperty its validators imply, so that @nestjs/swagger documents it. Idempotent.
 */
export function describeValidatedClass(target: Constructor): void {
  if (described.has(target)) return;
  described.add(target);
  for (const [name, { schema, required, nested }] of validatedProperties(target)) {
    if (nested) {
      describeValidatedClass(nested);
      ApiProperty({ type: () => nested, required })(target.prototype as object, name);
      continue;
    }
    ApiProperty({ ...(schema as Record<string, unknown>), required })(target.prototype as object, name);
  }
}
