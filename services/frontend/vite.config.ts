import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Hashed file names under assets/ let the edge cache them as immutable.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    // Inlined assets would become data: URLs; the CSP allows them only for images.
    assetsInlineLimit: 0,
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': 'http://127.0.0.1:3000' },
  },
});
