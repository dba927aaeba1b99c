/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  // The custom server (server/) owns the HTTP listener; Next only renders pages.
  poweredByHeader: false,
  // Server-only native packages are never bundled into pages.
  serverExternalPackages: ['onnxruntime-node', 'sharp', 'better-sqlite3'],
};

export default nextConfig;
