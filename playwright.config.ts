import { defineConfig } from "@playwright/test";

// Ports of the two servers the suite starts: the scripted model server (a test double that
// streams real recorded traces) and the app itself, configured to talk to it.
export const MODEL_PORT = Number(process.env.E2E_MODEL_PORT ?? 8101);
export const APP_PORT = Number(process.env.E2E_APP_PORT ?? 3101);
export const MODEL_URL = `http://127.0.0.1:${MODEL_PORT}`;

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
      url: `http://127.0.0.1:${APP_PORT}/api/config`,
      reuseExistingServer: false,
      timeout: 300_000,
      env: {
        HINTLAB_PORT: String(APP_PORT),
        HINTLAB_BASE_URL: `${MODEL_URL}/v1`,
        HINTLAB_MODEL: "scripted-r1",
        HINTLAB_TEMPLATE: "deepseek-r1",
        HINTLAB_DATA_DIR: "test-results/e2e-data",
      },
    },
  ],
});
