import type { NextConfig } from "next";

// COOP/COEP make the page cross-origin isolated, which SharedArrayBuffer needs: the Python
// sandbox's interrupt buffer (stopping `while True: pass` without reloading the runtime) relies on it.
// The sandbox frame (app/sandbox/frame) inherits the isolation through `allow="cross-origin-isolated"`.
const isolationHeaders = [
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Cross-Origin-Embedder-Policy", value: "require-corp" },
];

// The sandbox frame has an opaque origin, so its requests for the Pyodide files are cross-origin:
// module scripts and fetches need CORS, and COEP needs CORP. These files are public and static.
const sandboxAssetHeaders = [
  { key: "Access-Control-Allow-Origin", value: "*" },
  { key: "Cross-Origin-Resource-Policy", value: "cross-origin" },
];

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // A second build directory lets a benchmark or a developer build beside a running server.
  distDir: process.env.HINTLAB_DIST_DIR ?? ".next",
  // node-llama-cpp loads a native addon and its prebuilt binaries from node_modules at run time;
  // esbuild (its binary) bundles the export workers' script on first use (lib/export-worker/bundle.ts).
  serverExternalPackages: ["openai", "node-llama-cpp", "esbuild"],
  async headers() {
    return [
      { source: "/:path*", headers: isolationHeaders },
      { source: "/pyodide/:path*", headers: sandboxAssetHeaders },
    ];
  },
};

export default nextConfig;
