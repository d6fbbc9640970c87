// @nestjs/swagger exports its plugin as `@nestjs/swagger/plugin`, whose types the workspace's
// `node` module resolution does not find through the package's exports map.
declare module '@nestjs/swagger/plugin' {
  export * from '@nestjs/swagger/dist/plugin';
}
