/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  // The custom server (server/) owns the HTTP listener; Next only renders pages.
  poweredByHeader: false,
  // Server-only native packages are never bundled into pages. Yjs is external too: the custom
  // server already loaded it from node_modules, and a second copy in the server bundle breaks its
  // constructor checks (it prints "Yjs was already imported"; tests/e2e/single-yjs.e2e.test.ts).
  serverExternalPackages: ['onnxruntime-node', 'sharp', 'better-sqlite3', 'yjs'],
  // Cross-origin isolation (SharedArrayBuffer) lets the preview run tfjs wasm on threads. Every
  // resource the pages load is same-origin (scripts, models, /api images, socket.io), which
  // require-corp allows without further headers; popups the app opens get no window.opener.
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
          { key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' },
        ],
      },
    ];
  },
};

export default nextConfig;
