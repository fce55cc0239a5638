import { randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import bcrypt from 'bcryptjs';
import { simpleParser } from 'mailparser';
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

export interface Mail {
  subject: string;
  text: string;
}

/**
 * The newest message to `to` whose subject contains `about`, as the test mail server (a real
 * SMTP server, aiosmtpd) stored it in the Maildir scripts/e2e.sh names; waits up to 15 s.
 */
export async function waitForMail(to: string, about: string): Promise<Mail> {
  const dir = join(process.env.MAILDIR ?? '/var/tmp/user-service-mail', 'new');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const found: { at: number; mail: Mail }[] = [];
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const raw = await readFile(path);
      // aiosmtpd records the envelope's recipients as X-RcptTo.
      const rcpt = /^X-RcptTo: (.*)$/im.exec(raw.toString('latin1'))?.[1] ?? '';
      if (!rcpt.toLowerCase().split(',').map((r) => r.trim()).includes(to.toLowerCase())) continue;
      const parsed = await simpleParser(raw);
      if (!(parsed.subject ?? '').includes(about)) continue;
      found.push({ at: (await stat(path)).mtimeMs, mail: { subject: parsed.subject ?? '', text: parsed.text ?? '' } });
    }
    if (found.length > 0) return found.sort((a, b) => b.at - a.at)[0].mail;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no mail about "${about}" reached ${to} within 15 s`);
}

/** The first code of `digits` digits in a mail. */
export function codeIn(mail: Mail, digits = 6): string {
  const code = new RegExp(`(?<![0-9])[0-9]{${digits}}(?![0-9])`).exec(mail.text)?.[0];
  if (!code) throw new Error(`no ${digits}-digit code in: ${mail.text}`);
  return code;
}

/** The path (and query) of the first link in a mail to this service's `path`. */
export function linkIn(mail: Mail, path: string): string {
  const url = new RegExp(`https?://\\S+${path.replace(/[?]/g, '\\?')}\\S*`).exec(mail.text)?.[0];
  if (!url) throw new Error(`no link to ${path} in: ${mail.text}`);
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

/** Nothing on the page is wider than the screen (no sideways scrolling on a phone). */
export async function expectNoSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow, 'the page scrolls sideways').toBeLessThanOrEqual(0);
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
