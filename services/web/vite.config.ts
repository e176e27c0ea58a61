/**
 * Vite build of the web app, its PWA service worker (vite-plugin-pwa / Workbox) and the vitest setup.
 * In `vite` dev mode every API prefix is proxied to a running gateway (GATEWAY_URL, default :8080).
 */
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';
import { defineConfig } from 'vitest/config';
import { apiPathPattern, apiPrefixes } from './api-paths.ts';

const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080';
/** Source maps publish the app's sources: only a build asked for them (`WEB_SOURCEMAP=true pnpm build`) has them. */
const sourcemap = process.env.WEB_SOURCEMAP === 'true';

export default defineConfig({
  plugins: [
    react(),
    VitePWA({
      registerType: 'autoUpdate',
      // A separate registerSW.js file: no inline script, so the gateway's CSP (script-src 'self') holds.
      injectRegister: 'script-defer',
      includeAssets: ['icon.svg'],
      manifest: {
        name: 'CartWatch',
        short_name: 'CartWatch',
        description: 'What you paid, how prices move, and the cheapest way to shop your list.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#0b5d3b',
        icons: [
          { src: '/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      workbox: {
        sourcemap,
        // Shows pushed alerts and opens their link on click (public/push-handler.js).
        importScripts: ['push-handler.js'],
        // The app shell (index.html, JS, CSS, icons) is precached; navigations fall back to it offline.
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [apiPathPattern],
        runtimeCaching: [
          {
            // Public data only, and only when the request carries no credentials: responses that
            // depend on who asks are never stored, so nothing leaks between users of one device.
            // Network first: the gateway holds the one public cache (a rejected claim is gone at once);
            // the copy here only answers when offline.
            urlPattern: ({ url, request, sameOrigin }) =>
              sameOrigin &&
              request.method === 'GET' &&
              url.pathname.startsWith('/public/') &&
              !request.headers.has('authorization'),
            handler: 'NetworkFirst',
            options: {
              cacheName: 'cartwatch-public-api',
              expiration: { maxEntries: 200, maxAgeSeconds: 7 * 24 * 3600 },
              cacheableResponse: { statuses: [200] },
            },
          },
        ],
      },
    }),
  ],
  build: {
    target: 'es2022',
    sourcemap,
  },
  server: {
    proxy: Object.fromEntries(
      apiPrefixes.map((prefix) => [`^${prefix.replaceAll('.', '\\.')}(/|$|\\?)`, { target: gateway }]),
    ),
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.{ts,tsx}'],
    setupFiles: ['./test/setup.ts'],
    restoreMocks: true,
    // Whole screens typed into with user-event: on a loaded 2-core CI machine one test has taken over 5 s
    // (vitest's default). A timeout, not a speed assertion; speed is bench/web's.
    testTimeout: 30_000,
  },
});
