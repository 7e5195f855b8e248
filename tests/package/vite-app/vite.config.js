// A stock Vite + React config: nothing rtcroom-specific (two pages: the
// call of index.html and the hooks test page hooks.html).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  plugins: [react()],
  build: {
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        hooks: fileURLToPath(new URL('./hooks.html', import.meta.url)),
      },
    },
  },
});
