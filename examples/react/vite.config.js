// The React example: Vite + React on rtcroom/react. In this repository
// `rtcroom` is the freshly built pkg/ (an app would `npm install rtcroom`
// and need no alias). Built by scripts/build; scripts/demo serves it at /react/.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('../../pkg/', import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  resolve: {
    alias: [
      { find: /^rtcroom\/react$/, replacement: `${pkg}react.js` },
      { find: /^rtcroom$/, replacement: `${pkg}index.js` },
    ],
  },
  build: { outDir: fileURLToPath(new URL('../../target/examples/react', import.meta.url)), emptyOutDir: true },
});
