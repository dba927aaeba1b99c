/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  // The custom server (server/) owns the HTTP listener; Next only renders pages.
  poweredByHeader: false,
  // Server-only native packages are never bundled into pages. Yjs is external too: the custom
  // server already loaded it from node_modules, and a second copy in the server bundle breaks its
  // constructor checks (it prints "Yjs was already imported"; tests/e2e/single-yjs.e2e.test.ts).
  serverExternalPackages: ['onnxruntime-node', 'sharp', 'better-sqlite3', 'yjs'],
};

export default nextConfig;
