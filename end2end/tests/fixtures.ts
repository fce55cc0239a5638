import { randomUUID } from 'node:crypto';
import { test as base, expect, type Page } from '@playwright/test';
import bcrypt from 'bcryptjs';
import pg from 'pg';

export interface Account {
  email: string;
  password: string;
}

/** The admin scripts/e2e.sh created with `user-service create-admin`. */
export const admin: Account = {
  email: process.env.E2E_ADMIN_EMAIL ?? 'admin@e2e-test.kr',
  password: process.env.E2E_ADMIN_PASSWORD ?? '',
};

type Status = 'ACTIVE' | 'INACTIVE' | 'LOCKED' | 'WITHDRAWN';

export interface OwnerOptions {
  name?: string;
  storeName?: string;
}

/** Inserts an owner (and their store) straight into the database. */
export async function createOwner(status: Status = 'ACTIVE', options: OwnerOptions = {}): Promise<Account & { id: string }> {
  const id = randomUUID().replaceAll('-', '');
  const account = { email: `owner-${id.slice(0, 12)}@e2e-test.kr`, password: `pw-${id.slice(12, 28)}` };
  const phone = `010-${String(parseInt(id.slice(0, 7), 16) % 10000).padStart(4, '0')}-${String(
    parseInt(id.slice(7, 14), 16) % 10000,
  ).padStart(4, '0')}`;
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const inserted = await client.query(
      `INSERT INTO users (name, phone_number, email, password_hash, role, status)
       VALUES ($1, $2, $3, $4, 'OWNER', $5) RETURNING id`,
      [options.name ?? '김사장', phone, account.email, bcrypt.hashSync(account.password, 4), status],
    );
    const id: string = inserted.rows[0].id;
    await client.query(
      `INSERT INTO stores (user_id, name, industry, address) VALUES ($1, $2, '카페', '서울특별시 마포구 1')`,
      [id, options.storeName ?? '사장님 카페'],
    );
    return { ...account, id };
  } finally {
    await client.end();
  }
}

/**
 * Waits until the wasm bundle has hydrated the page (set by `hydrate()` in src/lib.rs). The
 * tests run the debug bundle (about 15 MB): a fresh browser context compiles it anew, which on
 * two busy cores has taken over 10 seconds, so this waits longer than other expectations.
 */
export async function waitForHydration(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true', { timeout: 30_000 });
}

export async function signIn(page: Page, account: Account) {
  await page.getByLabel('이메일').fill(account.email);
  await page.getByLabel('비밀번호').fill(account.password);
  await page.getByRole('button', { name: '로그인' }).click();
}

/** Collects console errors and uncaught exceptions of a page. */
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await use(errors);
  },
});

export { expect };
