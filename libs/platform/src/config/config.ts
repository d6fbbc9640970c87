import { z } from 'zod';
import { crossVariableRules } from './config-fragments';

export type Env = Record<string, string | undefined>;

/** One variable an app reads, as listed in the README's configuration table. */
export interface ConfigVariable {
  name: string;
  description: string;
  required: boolean;
  default?: string;
}

export interface ConfigIssue {
  variable: string;
  message: string;
}

/** The environment does not describe a runnable app; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: ConfigIssue[]) {
    super(
      `Invalid configuration:\n${issues.map((issue) => `  ${issue.variable}: ${issue.message}`).join('\n')}`,
    );
  }
}

/**
 * Validates the environment against an app's schema. Every key of the schema is an
 * environment variable; an empty value counts as unset, so `FOO=` in a compose file
 * falls back to the default instead of failing as a malformed number or URL.
 */
export function loadConfig<S extends z.AnyZodObject>(schema: S, env: Env = process.env): z.infer<S> {
  const input: Record<string, string | undefined> = {};
  for (const name of Object.keys(schema.shape)) {
    const value = env[name];
    input[name] = value === undefined || value.trim() === '' ? undefined : value;
  }
  const result = schema.safeParse(input);
  if (!result.success) throw new ConfigError(result.error.issues.map(toConfigIssue));
  const crossIssues = crossVariableRules
    .filter((rule) => rule.variables.every((name) => name in schema.shape))
    .flatMap((rule) => rule.check(result.data as Record<string, unknown>) ?? []);
  if (crossIssues.length > 0) throw new ConfigError(crossIssues);
  return result.data;
}

/** `loadConfig` for a `main.ts`: prints what is wrong and exits 1 instead of throwing. */
export function bootConfig<S extends z.AnyZodObject>(schema: S, env: Env = process.env): z.infer<S> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // No logger exists yet: the logger's own level is part of this configuration.
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

/** Every variable of a schema with its default and description, in schema order. */
export function describeConfig(schema: z.AnyZodObject): ConfigVariable[] {
  return Object.entries(schema.shape as Record<string, z.ZodTypeAny>).map(([name, field]) => {
    const defaultValue = defaultOf(field);
    return {
      name,
      description: descriptionOf(field) ?? '',
      required: defaultValue === undefined && !field.isOptional(),
      ...(defaultValue === undefined ? {} : { default: String(defaultValue) }),
    };
  });
}

function toConfigIssue(issue: z.ZodIssue): ConfigIssue {
  const variable = issue.path.join('.') || '(environment)';
  const missing = issue.code === z.ZodIssueCode.invalid_type && issue.received === 'undefined';
  return { variable, message: missing ? 'is required' : issue.message };
}

function descriptionOf(field: z.ZodTypeAny): string | undefined {
  for (let current: z.ZodTypeAny | undefined = field; current; current = innerOf(current)) {
    if (current.description) return current.description;
  }
  return undefined;
}

function defaultOf(field: z.ZodTypeAny): unknown {
  for (let current: z.ZodTypeAny | undefined = field; current; current = innerOf(current)) {
    if (current instanceof z.ZodDefault) return current._def.defaultValue();
  }
  return undefined;
}

function innerOf(field: z.ZodTypeAny): z.ZodTypeAny | undefined {
  if (field instanceof z.ZodDefault || field instanceof z.ZodOptional || field instanceof z.ZodNullable) {
    return field._def.innerType;
  }
  if (field instanceof z.ZodEffects) return field._def.schema;
  return undefined;
}
