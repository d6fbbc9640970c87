// The console's build (`npm run build` puts it in dist/console, which the gateway serves at
// /console) and its dev server: `npm run console:dev` proxies /api to a running gateway.
import react from '@vitejs/plugin-react';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const require = createRequire(import.meta.url);
const bodySchemas = require('./tools/body-schemas.cjs') as () => Record<string, unknown>;
const gateway = process.env.WARDEN_URL ?? 'http://127.0.0.1:3000';

// The forms' constraints, picked out of the API description at build time (not the whole document).
function apiBodySchemas(): Plugin {
  const id = 'virtual:warden-body-schemas';
  return {
    name: 'warden-body-schemas',
    resolveId: (source) => (source === id ? `\0${id}` : undefined),
    load: (resolved) => (resolved === `\0${id}` ? `export default ${JSON.stringify(bodySchemas())};` : undefined),
  };
}

export default defineConfig({
  root: here,
  base: '/console/',
  plugins: [react(), apiBodySchemas()],
  resolve: {
    alias: {
      '@warden/api-client': path.join(root, 'libs/api-client/src/index.ts'),
      '@warden/access': path.join(root, 'libs/access/src/index.ts'),
    },
  },
  build: {
    outDir: path.join(root, process.env.WARDEN_DIST ?? 'dist', 'console'),
    emptyOutDir: true,
    // the gateway's Content-Security-Policy allows no inline script or data: module
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': {
        target: gateway,
        // the gateway takes a console session's writes only from its own origin
        configure: (proxy) => proxy.on('proxyReq', (request) => request.getHeader('origin') && request.setHeader('origin', gateway)),
      },
    },
  },
});
