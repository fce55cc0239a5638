import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

// scripts/e2e.sh starts the server on a free port and passes its address here.
const baseURL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';

// Debian's Chromium where it is installed (browser downloads are impossible on some build
// machines); otherwise the browser `npx playwright install chromium` fetched.
const executablePath =
  process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

export default defineConfig({
  testDir: './tests',
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  // Room for two hydrations of the debug bundle on a busy machine (see waitForHydration).
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    locale: 'ko-KR',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'desktop', use: { ...devices['Desktop Chrome'], channel: undefined } },
    // A 375 px wide phone, the narrowest in common use among owners.
    {
      name: 'phone',
      use: { ...devices['Pixel 7'], viewport: { width: 375, height: 740 }, channel: undefined },
      grep: /@phone/,
    },
  ],
});
