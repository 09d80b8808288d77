import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Names, in index.html's `page-chunks` block, the files of each lazily loaded page (pages/<Name>.tsx)
 * and the shared chunks it imports, so the page's inline script preloads the one the address
 * opens alongside the main script instead of after it.
 */
function pageChunks(): Plugin {
  return {
    name: 'page-chunks',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const bundle = ctx.bundle;
        if (!bundle) return html;
        const pages: Record<string, string[]> = {};
        for (const chunk of Object.values(bundle)) {
          if (chunk.type !== 'chunk' || !chunk.isDynamicEntry || !chunk.facadeModuleId) continue;
          const name = /[\\/]pages[\\/](\w+)\.tsx$/.exec(chunk.facadeModuleId)?.[1];
          if (!name) continue;
          const shared = chunk.imports.filter((f) => {
            const imported = bundle[f];
            return !(imported?.type === 'chunk' && imported.isEntry);
          });
          pages[name] = [chunk.fileName, ...shared].map((f) => `/${f}`);
        }
        return html.replace(
          /(<script type="application\/json" id="page-chunks">)\{\}(<\/script>)/,
          (_, open: string, close: string) => `${open}${JSON.stringify(pages)}${close}`,
        );
      },
    },
  };
}

/** The console: built into web/dist, which `npm start` serves and the stack uploads. */
export default defineConfig({
  root,
  base: '/',
  plugins: [react(), pageChunks()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: {
    // `npx vite web` during development: the API of a running `npm start` on the same origin.
    proxy: Object.fromEntries(
      [
        '/uploads',
        '/files',
        '/rules',
        '/notifications',
        '/local',
        '/config.js',
        '/health',
        '/templates',
        '/settings',
        '/opt-outs',
        '/messages',
        '/metrics',
      ].map((p) => [p, 'http://localhost:3000']),
    ),
  },
});
