import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const backend = process.env.HUIKE_DEV_BACKEND || 'http://127.0.0.1:8000'

// Build output is served by the Python server (src/huike/web/static); it is a build artifact.
export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/healthz': { target: backend, changeOrigin: false },
    },
  },
  build: {
    outDir: '../src/huike/web/static',
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (id.includes('node_modules/element-plus') || id.includes('node_modules/@element-plus')) return 'element-plus'
          // 省/市/区 data: its own chunk, loaded when a region picker first shows (utils/regions.ts)
          if (id.includes('node_modules/@vant/area-data')) return 'area-data'
          if (id.includes('node_modules/')) return 'vendor'
          return undefined
        },
      },
    },
  },
})
