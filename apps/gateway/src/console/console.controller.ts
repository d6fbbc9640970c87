import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CommonErrorCode, WardenError } from '@warden/contracts';
import type { FastifyReply } from 'fastify';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CONSOLE_FILES_ROUTE } from '../auth/public-routes';

// The admin console: a static build (apps/console, built by `npm run build` into dist/console)
// served at /console. Its page and files are public; what it shows comes from the API, with
// the session in a cookie no script can read (auth/console-session.ts).

/** dist/apps/gateway/src/console -> dist/console, where the build puts the console. */
export const DEFAULT_CONSOLE_FOLDER = path.resolve(__dirname, '../../../../console');

// No inline script anywhere: the build emits files, and the page loads only its own. The one
// inline style is React Aria's (a rule for pressable elements it adds to the page): it carries
// the nonce of the page's answer, which it reads from the page's `csp-nonce` meta element.
export function consoleContentSecurityPolicy(styleNonce: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${styleNonce}'`,
    "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': consoleContentSecurityPolicy('none'),
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};
// Only the build's own files: hashed bundles under assets/, and the icon; nothing with a path of its own.
const CONSOLE_FILE = /^(assets\/[\w.-]+\.(js|css|svg|png|woff2)|favicon\.svg)$/;

/** Reads the console's build once per file; a missing build answers 404 with how to make it. */
export class ConsoleAssets {
  private readonly cache = new Map<string, Promise<Buffer | undefined>>();

  constructor(readonly folder: string) {}

  page(): Promise<Buffer | undefined> {
    return this.read('index.html');
  }

  /** A file of the build by its path under /console/, or undefined when it is not one. */
  file(relative: string): Promise<{ content: Buffer; type: string } | undefined> | undefined {
    if (!CONSOLE_FILE.test(relative)) return undefined;
    return this.read(relative).then((content) => (content === undefined ? undefined : { content, type: CONTENT_TYPES[path.extname(relative)]! }));
  }

  private read(relative: string): Promise<Buffer | undefined> {
    let content = this.cache.get(relative);
    if (!content) {
      content = readFile(path.join(this.folder, relative)).catch(() => undefined);
      this.cache.set(relative, content);
    }
    return content;
  }
}

async function answerPage(assets: ConsoleAssets, reply: FastifyReply): Promise<string> {
  const page = await assets.page();
  if (page === undefined) throw new WardenError(CommonErrorCode.RouteNotFound, 'The console is not built: `npm run build` builds it');
  // A new nonce for each answer; as an attribute it is hidden from the page's markup.
  const nonce = randomBytes(18).toString('base64');
  void reply.headers({ ...SECURITY_HEADERS, 'content-security-policy': consoleContentSecurityPolicy(nonce), 'cache-control': 'no-store' });
  return page.toString('utf8').replace('<head>', `<head>\n    <meta name="csp-nonce" nonce="${nonce}" />`);
}

@ApiTags('api description')
@Controller()
export class ConsoleController {
  constructor(@Inject(ConsoleAssets) private readonly assets: ConsoleAssets) {}

  /**
   * The admin console
   *
   * @remarks The console's page; its screens (`/console/members`, `/console/tokens`...) answer the same
   * page, and its files are under `/console/assets/`. Signs in through `POST /api/v1/auth/console/login`.
   */
  @Get('console')
  @Header('content-type', 'text/html; charset=utf-8')
  @ApiProduces('text/html')
  @ApiOkResponse({ description: "The console's page", content: { 'text/html': { schema: { type: 'string' } } } })
  page(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    return answerPage(this.assets, reply);
  }
}

/**
 * Serves the console's files and its screens' paths under /console/, a route of Fastify's own
 * beside the page's (as the API page's files are). Call before `app.listen()`.
 */
export function serveConsoleFiles(app: NestFastifyApplication): void {
  const assets = app.get(ConsoleAssets);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get(CONSOLE_FILES_ROUTE, async (request, reply) => {
    const relative = (request.params as { '*': string })['*'];
    const file = assets.file(relative);
    if (file === undefined) {
      // a screen of the console (members, tokens/<id>...): the page routes it
      if (/\.\w+$/.test(relative)) throw new WardenError(CommonErrorCode.RouteNotFound, `No console file ${relative}`);
      return reply.type('text/html; charset=utf-8').send(await answerPage(assets, reply));
    }
    const found = await file;
    if (found === undefined) throw new WardenError(CommonErrorCode.RouteNotFound, `No console file ${relative}`);
    const cache = relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=3600';
    return reply.type(found.type).headers({ ...SECURITY_HEADERS, 'cache-control': cache }).send(found.content);
  });
}
