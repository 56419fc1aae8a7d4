import { defineConfig } from "@playwright/test";

// Ports of the two servers the suite starts: the scripted model server (a test double that
// streams real recorded traces) and the app itself, configured to talk to it.
export const MODEL_PORT = Number(process.env.E2E_MODEL_PORT ?? 8101);
export const APP_PORT = Number(process.env.E2E_APP_PORT ?? 3101);
export const MODEL_URL = `http://127.0.0.1:${MODEL_PORT}`;
// The local-model suite: a mock Hugging Face server serving a tiny random GGUF, an app with no
// model server that downloads and runs it, and an app whose Hugging Face is unreachable (offline).
export const HF_PORT = Number(process.env.E2E_HF_PORT ?? 8102);
export const LOCAL_APP_PORT = Number(process.env.E2E_LOCAL_APP_PORT ?? 3102);
export const OFFLINE_APP_PORT = Number(process.env.E2E_OFFLINE_APP_PORT ?? 3103);
export const LOCAL_MODELS_DIR = "test-results/e2e-local/models";
// Nothing listens here (fetch refuses well-known ports such as 9 outright, which is not "offline").
const CLOSED_URL = `http://127.0.0.1:${Number(process.env.E2E_CLOSED_PORT ?? 8109)}`;
const clean = (dir: string) => `node -e "require('fs').rmSync('${dir}', { recursive: true, force: true })"`;

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  timeout: 90_000,
  expect: { timeout: 20_000 },
  workers: 1,
  retries: 0,
  outputDir: "test-results/e2e-artifacts",
  use: {
    baseURL: `http://127.0.0.1:${APP_PORT}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--headless",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  webServer: [
    {
      command: `node --import tsx e2e/fixtures/run-scripted-server.ts --port ${MODEL_PORT} --chunks-per-second 1500`,
      url: `${MODEL_URL}/v1/models`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      // Production build (npm run build happens before npm test; start.mjs builds if missing).
      command: "node scripts/start.mjs",
      url: `http://127.0.0.1:${APP_PORT}/api/health`,
      reuseExistingServer: false,
      timeout: 300_000,
      env: {
        HINTLAB_PORT: String(APP_PORT),
        HINTLAB_BASE_URL: `${MODEL_URL}/v1`,
        HINTLAB_MODEL: "scripted-r1",
        HINTLAB_TEMPLATE: "deepseek-r1",
        HINTLAB_DATA_DIR: "test-results/e2e-data",
        // Its local model (listed next to the scripted endpoint in Model settings) is never downloaded.
        HINTLAB_MODELS_DIR: "test-results/e2e-data/models",
        HINTLAB_HF_ENDPOINT: CLOSED_URL,
      },
    },
    {
      command:
        "node --import tsx lib/providers/testing/tiny-gguf.ts test-results/e2e-hf/tiny.gguf && " +
        `node --import tsx lib/providers/testing/hf-mock-server.ts --port ${HF_PORT} --file hintlab/tiny/tiny.gguf=test-results/e2e-hf/tiny.gguf --throttle 250000`,
      url: `http://127.0.0.1:${HF_PORT}/hintlab/tiny/resolve/main/tiny.gguf`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `${clean("test-results/e2e-local")} && node scripts/start.mjs`,
      url: `http://127.0.0.1:${LOCAL_APP_PORT}/api/health`,
      reuseExistingServer: false,
      timeout: 300_000,
      env: {
        HINTLAB_PORT: String(LOCAL_APP_PORT),
        HINTLAB_LOCAL_MODEL: "hf:hintlab/tiny/tiny.gguf",
        HINTLAB_HF_ENDPOINT: `http://127.0.0.1:${HF_PORT}`,
        HINTLAB_MODELS_DIR: LOCAL_MODELS_DIR,
        HINTLAB_TEMPLATE: "qwen3",
        HINTLAB_LOCAL_THREADS: "1",
        HINTLAB_DATA_DIR: "test-results/e2e-local/data",
      },
    },
    {
      command: `${clean("test-results/e2e-offline")} && node scripts/start.mjs`,
      url: `http://127.0.0.1:${OFFLINE_APP_PORT}/api/health`,
      reuseExistingServer: false,
      timeout: 300_000,
      env: {
        HINTLAB_PORT: String(OFFLINE_APP_PORT),
        // The download fails like it does without a network.
        HINTLAB_HF_ENDPOINT: CLOSED_URL,
        HINTLAB_MODELS_DIR: "test-results/e2e-offline/models",
        HINTLAB_DATA_DIR: "test-results/e2e-offline/data",
      },
    },
  ],
});
