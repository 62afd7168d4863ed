import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

// The detector serves these files at `/`; absolute base so deep links (/rollouts/x) load /assets/*.
export default defineConfig({
  root: here,
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('../dist/public', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No source maps in what the detector serves (set DASHBOARD_SOURCEMAP=true for a debugging build).
    sourcemap: process.env.DASHBOARD_SOURCEMAP === 'true',
    chunkSizeWarningLimit: 300,
  },
  server: {
    // `npm run dev -w @rollwatch/dashboard` against a detector on :8081.
    proxy: { '/api': { target: process.env.DASHBOARD_DEV_API ?? 'http://127.0.0.1:8081', changeOrigin: true } },
  },
});
