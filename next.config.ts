import type { NextConfig } from "next";

// COOP/COEP make the page cross-origin isolated, which SharedArrayBuffer needs: the Pyodide
// worker's interrupt buffer (stopping `while True: pass` without reloading the runtime) relies on it.
const isolationHeaders = [
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Cross-Origin-Embedder-Policy", value: "require-corp" },
];

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // A second build directory lets a benchmark or a developer build beside a running server.
  distDir: process.env.HINTLAB_DIST_DIR ?? ".next",
  // node-llama-cpp loads a native addon and its prebuilt binaries from node_modules at run time.
  serverExternalPackages: ["openai", "node-llama-cpp"],
  async headers() {
    return [{ source: "/:path*", headers: isolationHeaders }];
  },
};

export default nextConfig;
