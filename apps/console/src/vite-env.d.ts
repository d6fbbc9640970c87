/// <reference types="vite/client" />

declare module 'virtual:warden-body-schemas' {
  // the request bodies' schemas of the API description (apps/console/tools/body-schemas.cjs)
  const schemas: Record<string, unknown>;
  export default schemas;
}
