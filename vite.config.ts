/**
 * Builds the renderer. Asset URLs are relative (`base: './'`) so the same build loads from
 * file:// inside Electron and from the loopback bridge at http://127.0.0.1:PORT/.
 */
import { fileURLToPath } from 'node:url';

import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./src-renderer', import.meta.url)),
  base: './',
  // The Svelte config sits at the repository root, where svelte-check also reads it.
  plugins: [svelte({ configFile: fileURLToPath(new URL('./svelte.config.js', import.meta.url)) })],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    // The output folder lies outside `root`, where Vite only empties it when asked to.
    emptyOutDir: true,
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
