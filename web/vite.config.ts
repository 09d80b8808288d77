import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The console: built into web/dist, which `npm start` serves and the stack uploads. */
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: {
    // `npx vite web` during development: the API of a running `npm start` on the same origin.
    proxy: Object.fromEntries(
      ['/uploads', '/files', '/rules', '/notifications', '/local', '/config.js', '/health', '/templates', '/settings', '/opt-outs', '/messages', '/metrics'].map((p) => [p, 'http://localhost:3000']),
    ),
  },
});
