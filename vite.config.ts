import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The operator console: built into dist/console and served by the Fastify app at /console/.
 * `npx vite` (dev) and `npx vite preview` proxy /api to a running backend (WHITEFLAG_BACKEND,
 * default http://127.0.0.1:8080) so the console can be worked on without rebuilding.
 */
const backend = process.env.WHITEFLAG_BACKEND ?? 'http://127.0.0.1:8080';

// The CSP the app serves the console under. Preview applies it too, so a build that would break
// in production (an inline script or style tag, a third-party font) breaks here first.
const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

export default defineConfig({
  root: fileURLToPath(new URL('./console', import.meta.url)),
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/console', import.meta.url)),
    emptyOutDir: true,
    // No data: URLs for fonts or scripts: every asset is a file the CSP's 'self' covers.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { '/api': backend } },
  preview: {
    proxy: { '/api': backend },
    headers: { 'content-security-policy': CONSOLE_CSP },
  },
});
