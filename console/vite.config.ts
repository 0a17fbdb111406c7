import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Served by Remit under /app; built into the Python package, which serves it. In development,
// `npm run dev` proxies the API to a `remit serve` on REMIT_URL (default 127.0.0.1:8000).
const remit = process.env.REMIT_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  base: '/app/',
  plugins: [react()],
  build: {
    outDir: '../src/remit/web/static/console',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      '/graphql': {
        target: remit,
        ws: true,
        // Remit takes a WebSocket signed in by cookie only from a page of its own origin.
        configure: (proxy) =>
          proxy.on('proxyReqWs', (request) => request.setHeader('Origin', new URL(remit).origin)),
      },
      '/auth': remit,
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
