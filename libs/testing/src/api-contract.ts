// Holds the gateway to its own API description: every answer an end-to-end test receives is
// checked against the schema its route declares for that status and media type, by Ajv (JSON
// Schema 2020-12, the dialect of OpenAPI 3.1). The document's named schemas are read closed
// here (no property they do not name), so an answer with a field the description lacks fails
// as surely as one missing a field.
import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;

interface Operation {
  method: string;
  pattern: RegExp;
  pointer: string;
  responses: Record<string, { content?: Record<string, unknown> }>;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

export class ApiContract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly operations: Operation[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(document: Json) {
    addFormats(this.ajv);
    const closed = structuredClone(document);
    const schemas = ((closed['components'] as Json | undefined)?.['schemas'] ?? {}) as Record<string, Json>;
    for (const schema of Object.values(schemas)) {
      if (schema['type'] === 'object' && schema['properties'] && schema['additionalProperties'] === undefined)
        schema['unevaluatedProperties'] = false;
    }
    this.ajv.addSchema(closed, 'openapi');
    for (const [path, item] of Object.entries((closed['paths'] ?? {}) as Record<string, Json>)) {
      for (const method of HTTP_METHODS.filter((name) => name in item)) {
        const pattern = new RegExp(
          `^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`,
        );
        const operation = item[method] as { responses?: Operation['responses'] };
        this.operations.push({
          method: method.toUpperCase(),
          pattern,
          pointer: `#/paths/${escapePointer(path)}/${method}`,
          responses: operation.responses ?? {},
        });
      }
    }
    // a literal segment wins over a template (`/users/me` over `/users/{id}`)
    const templates = (operation: Operation) => operation.pattern.source.split('[^/]+').length;
    this.operations.sort((a, b) => templates(a) - templates(b));
  }

  /** Fetches the description the gateway at this origin serves. */
  static async of(origin: string): Promise<ApiContract> {
    const response = await fetch(new URL('/api/v1/openapi.json', origin));
    if (!response.ok) throw new Error(`the API description answered ${response.status}`);
    return new ApiContract((await response.json()) as Json);
  }

  /**
   * What is wrong with an answer, as sentences; none when it matches. A route the description
   * does not name must answer a problem document.
   */
  problems(
    method: string,
    pathname: string,
    status: number,
    contentType: string | null,
    body: unknown,
  ): string[] {
    const route = `${method} ${pathname} answered ${status}`;
    const operation = this.operations.find(
      (candidate) => candidate.method === method && candidate.pattern.test(pathname),
    );
    if (!operation) {
      if (status < 400) return [`${route}: the route is not in the API description`];
      return this.check(route, '#/components/schemas/ProblemDetails', body);
    }
    const declared =
      operation.responses[String(status)] ??
      operation.responses[`${String(status)[0]}XX`] ??
      operation.responses['default'];
    if (!declared)
      return [
        `${route}: the status is not declared (declared: ${Object.keys(operation.responses).join(', ')})`,
      ];
    const statusKey = Object.entries(operation.responses).find(([, response]) => response === declared)![0];
    const media = Object.keys(declared.content ?? {});
    if (media.length === 0)
      return body === undefined || body === '' ? [] : [`${route}: a body where none is declared`];
    const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
    if (!mediaType || !media.includes(mediaType))
      return [`${route}: content type ${contentType} where ${media.join(' or ')} is declared`];
    return this.check(
      route,
      `${operation.pointer}/responses/${statusKey}/content/${escapePointer(mediaType)}/schema`,
      body,
    );
  }

  private check(route: string, pointer: string, body: unknown): string[] {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi${pointer}` });
      this.validators.set(pointer, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (error) =>
        `${route}: ${error.instancePath || '(the body)'} ${error.message ?? 'is invalid'} ${JSON.stringify(error.params)}`,
    );
  }
}
