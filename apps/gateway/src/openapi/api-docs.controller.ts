import { Controller, Get, Header, Injectable } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags, OpenAPIObject } from '@nestjs/swagger';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { OPENAPI_DOCUMENT_PATH } from './openapi-document';

export const DOCS_ASSETS_PREFIX = '/docs/assets/';

/**
 * The OpenAPI document, built from the app's routes when it is first asked for (main.ts
 * publishes how): a gateway that is never asked keeps neither the document nor the
 * garbage of building it, and starts sooner.
 */
@Injectable()
export class ApiDescription {
  private build: (() => OpenAPIObject) | undefined;
  private document: OpenAPIObject | undefined;

  publish(build: () => OpenAPIObject): void {
    this.build = build;
    this.document = undefined;
  }

  get(): OpenAPIObject {
    if (!this.build) throw new Error('the OpenAPI document has not been published yet');
    this.document ??= this.build();
    return this.document;
  }
}

// Swagger UI's page; its script, styles and the script that starts it are files under
// /docs/assets/, so the page runs under a Content-Security-Policy without inline scripts.
const DOCS_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Warden API</title>
  <link rel="stylesheet" href="${DOCS_ASSETS_PREFIX}swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_ASSETS_PREFIX}swagger-ui-bundle.js"></script>
  <script src="${DOCS_ASSETS_PREFIX}warden-docs.js"></script>
</body>
</html>
`;

const DOCS_SCRIPT = `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(OPENAPI_DOCUMENT_PATH)}, dom_id: '#swagger-ui', deepLinking: true });\n`;

@ApiTags('api description')
@Controller()
export class ApiDocsController {
  constructor(private readonly description: ApiDescription) {}

  /**
   * This API description (OpenAPI 3.1)
   *
   * @remarks Generated from the code that serves the API: the routes, their inputs, answers and problems.
   */
  @Get('openapi.json')
  @ApiOkResponse({ description: 'The OpenAPI 3.1 document of this API', schema: { type: 'object', additionalProperties: true } })
  document(): OpenAPIObject {
    return this.description.get();
  }

  /**
   * The interactive API page
   *
   * @remarks Swagger UI over this description, outside the API's prefix; *Authorize* with a login key or an API token.
   */
  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'Swagger UI over /api/v1/openapi.json', content: { 'text/html': { schema: { type: 'string' } } } })
  page(): string {
    return DOCS_PAGE;
  }
}

// The files the page loads, read once from swagger-ui-dist (which comes with @nestjs/swagger).
const SWAGGER_UI_FILES: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
};

/**
 * Serves the page's files under /docs/assets/: Swagger UI's own and the script that starts
 * it. A fixed list, so nothing else of the package's folder is reachable. Call before `app.listen()`.
 */
export function serveDocsAssets(app: NestFastifyApplication): void {
  const folder = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  const cache = new Map<string, Promise<Buffer>>();
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get(`${DOCS_ASSETS_PREFIX}warden-docs.js`, (_request, reply) => {
    void reply.type('application/javascript; charset=utf-8').header('cache-control', 'no-cache').send(DOCS_SCRIPT);
  });
  for (const [file, contentType] of Object.entries(SWAGGER_UI_FILES)) {
    fastify.get(`${DOCS_ASSETS_PREFIX}${file}`, async (_request, reply) => {
      if (!cache.has(file)) cache.set(file, readFile(path.join(folder, file)));
      const content = await cache.get(file)!;
      return reply.type(contentType).header('cache-control', 'public, max-age=86400').send(content);
    });
  }
}
