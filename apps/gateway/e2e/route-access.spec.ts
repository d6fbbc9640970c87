// The table of who may call what cannot drift: README.md holds exactly its rendering, and
// every route the gateway's controllers declare is in it (and nothing else).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DynamicModule, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { createLogger } from '@warden/platform';
import { PUBLIC_ROUTES } from '../src/auth/public-routes';
import { UNPREFIXED_ROUTES } from '../src/gateway-app';
import { gatewayConfigSchema } from '../src/gateway-config';
import { GatewayModule } from '../src/gateway.module';
import { PRINCIPAL_KINDS, ROUTE_ACCESS, RouteAccess, SERVED_ROUTES, renderRouteAccessTable, routeKey } from './route-access';

const README = path.resolve(__dirname, '../../../README.md');
const START = '<!-- route-access:start -->';
const END = '<!-- route-access:end -->';
const GLOBAL_PREFIX = 'api/v1';
// As the gateway registers them: outside the API's prefix.
const UNPREFIXED = new Set(UNPREFIXED_ROUTES);

type ModuleLike = DynamicModule | Type<unknown>;

// Every controller of the gateway, found the way Nest finds them: through the module tree.
function controllersOf(module: ModuleLike, seen = new Set<ModuleLike>()): Type<unknown>[] {
  if (seen.has(module)) return [];
  seen.add(module);
  const dynamic = 'module' in module ? module : undefined;
  const type = dynamic ? dynamic.module : (module as Type<unknown>);
  const controllers: Type<unknown>[] = [
    ...((Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, type) as Type<unknown>[] | undefined) ?? []),
    ...(dynamic?.controllers ?? []),
  ];
  const imports = [...((Reflect.getMetadata(MODULE_METADATA.IMPORTS, type) as ModuleLike[] | undefined) ?? []), ...(dynamic?.imports ?? [])];
  return [...controllers, ...imports.flatMap((imported) => controllersOf(imported as ModuleLike, seen))];
}

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [''] : Array.isArray(value) ? value : [value]);
const joinPath = (...parts: string[]) => parts.flatMap((part) => part.split('/')).filter(Boolean).join('/');

function declaredRoutes(controllers: readonly Type<unknown>[]): string[] {
  const routes: string[] = [];
  for (const controller of controllers) {
    const prefixes = asList(Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined);
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) continue;
      for (const prefix of prefixes) {
        for (const suffix of asList(Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined)) {
          const route = joinPath(prefix, suffix);
          routes.push(`${RequestMethod[method]} /${UNPREFIXED.has(route) ? route : joinPath(GLOBAL_PREFIX, route)}`);
        }
      }
    }
  }
  return routes.sort();
}

describe('the route access table', () => {
  const gateway = GatewayModule.forRoot(gatewayConfigSchema.parse({}), createLogger({ service: 'gateway', level: 'fatal' }));

  it('is in README.md, exactly as rendered', () => {
    const readme = readFileSync(README, 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    expect(readme.slice(start + START.length, end).trim()).toBe(renderRouteAccessTable());
  });

  it('lists every route the gateway serves, and only those', () => {
    const controllers = controllersOf(gateway);
    expect(controllers.map((controller) => controller.name)).toEqual(expect.arrayContaining(['UsersController', 'AuthController', 'HealthController']));
    expect(declaredRoutes(controllers)).toEqual(SERVED_ROUTES.map(routeKey).sort());
  });

  it('lists cases only of routes it lists', () => {
    const routes: readonly RouteAccess[] = ROUTE_ACCESS;
    const plain = new Set(SERVED_ROUTES.map(routeKey));
    for (const route of routes.filter((candidate) => candidate.case !== undefined)) expect(plain).toContain(routeKey({ method: route.method, path: route.path }));
  });

  it('lists each route once, with an outcome for every kind of principal', () => {
    const keys = ROUTE_ACCESS.map(routeKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const route of ROUTE_ACCESS) expect(Object.keys(route.access).sort()).toEqual([...PRINCIPAL_KINDS].sort());
  });

  it("turns anonymous callers away with 401 on every route but the guard's public ones", () => {
    const routes: readonly RouteAccess[] = ROUTE_ACCESS;
    const open = routes.filter((route) => route.access.anonymous[0] !== 401 || route.signed).map(routeKey);
    const publicRoutes = [...PUBLIC_ROUTES].filter((route) => !route.startsWith('HEAD '));
    expect(open.sort()).toEqual(publicRoutes.sort());
  });
});
