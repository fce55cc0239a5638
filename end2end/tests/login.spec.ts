import { admin, createOwner, expect, signIn, test, waitForHydration } from './fixtures';

const GENERIC_FAILURE = '이메일 또는 비밀번호가 올바르지 않습니다. 여러 번 잘못 입력하면 계정이 15분 동안 잠깁니다.';

test.describe('signing in with the app hydrated', () => {
  test('an owner signs in without a full page load and lands on the profile @phone', async ({
    page,
    consoleErrors,
  }) => {
    const owner = await createOwner();
    await page.goto('/login');
    await waitForHydration(page);
    // A full page load would wipe this marker.
    await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));

    await signIn(page, owner);

    await expect(page).toHaveURL(/\/profile$/);
    await expect(page.getByTestId('signed-in-email')).toHaveText(owner.email);
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    await expect(page.getByRole('button', { name: '로그아웃' })).toBeVisible();
    expect(consoleErrors).toEqual([]);
  });

  test('an admin signs in and lands on the user table', async ({ page, consoleErrors }) => {
    await page.goto('/login');
    await waitForHydration(page);

    await signIn(page, admin);

    await expect(page).toHaveURL(/\/admin\/users$/);
    await expect(page.getByRole('heading', { name: '회원 관리' })).toBeVisible();
    await expect(page.getByTestId('header-email')).toHaveText(admin.email);
    expect(consoleErrors).toEqual([]);
  });

  test('a wrong password and an unknown e-mail get the same generic message', async ({ page }) => {
    const owner = await createOwner();
    const locked = await createOwner('LOCKED');
    await page.goto('/login');
    await waitForHydration(page);

    for (const attempt of [
      { email: owner.email, password: 'not-the-password' },
      { email: 'nobody-here@e2e-test.kr', password: owner.password },
      locked,
    ]) {
      // The message is the same every time: wait for this attempt's own answer, so the next
      // one is not typed while this one is still coming back.
      const answered = page.waitForResponse((response) => response.url().endsWith('/api/login'));
      await signIn(page, attempt);
      await answered;
      await expect(page.getByRole('alert')).toHaveText(GENERIC_FAILURE);
      await expect(page).toHaveURL(/\/login$/);
      // The e-mail stays; the password does not.
      await expect(page.getByLabel('이메일')).toHaveValue(attempt.email);
    }
  });

  test('empty fields are marked at the field', async ({ page }) => {
    await page.goto('/login');
    await waitForHydration(page);

    await page.getByRole('button', { name: '로그인' }).click();

    await expect(page.getByRole('alert')).toContainText('입력한 내용을 확인해 주세요.');
    await expect(page.getByLabel('이메일')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('#email-error')).toHaveText('이메일을 입력해 주세요.');
    await expect(page.locator('#password-error')).toHaveText('비밀번호를 입력해 주세요.');
  });
});

test('an anonymous visitor is sent to sign in and comes back to the page asked for', async ({ page }) => {
  const owner = await createOwner();

  await page.goto('/profile');
  await expect(page).toHaveURL(/\/login\?next=\/profile$/);
  await waitForHydration(page);
  await signIn(page, owner);

  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId('signed-in-email')).toHaveText(owner.email);
});

test('an owner gets a 403 page on the admin pages', async ({ page }) => {
  const owner = await createOwner();
  await page.goto('/login');
  await waitForHydration(page);
  await signIn(page, owner);
  await expect(page).toHaveURL(/\/profile$/);

  const response = await page.goto('/admin/users');

  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: '접근 권한이 없습니다' })).toBeVisible();
});

test('logging out makes the old cookie useless', async ({ page, browser }) => {
  const owner = await createOwner();
  await page.goto('/login');
  await waitForHydration(page);
  await signIn(page, owner);
  await expect(page).toHaveURL(/\/profile$/);
  const stolenCookies = await page.context().cookies();

  await page.getByRole('button', { name: '로그아웃' }).click();
  await expect(page).toHaveURL(/\/login$/);

  // Someone who copied the cookie before logout is not signed in with it.
  const thief = await browser.newContext();
  await thief.addCookies(stolenCookies);
  const thiefPage = await thief.newPage();
  await thiefPage.goto('/profile');
  await expect(thiefPage).toHaveURL(/\/login\?next=\/profile$/);
  await thief.close();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('an owner signs in, sees an error first, and logs out @phone', async ({ page }) => {
    const owner = await createOwner();
    await page.goto('/login');

    await signIn(page, { email: owner.email, password: 'wrong-password' });
    await expect(page.getByRole('alert')).toHaveText(GENERIC_FAILURE);
    await expect(page.getByLabel('이메일')).toHaveValue(owner.email);

    await page.getByLabel('비밀번호').fill(owner.password);
    await page.getByRole('button', { name: '로그인' }).click();
    await expect(page).toHaveURL(/\/profile$/);
    await expect(page.getByTestId('signed-in-email')).toHaveText(owner.email);

    await page.getByRole('button', { name: '로그아웃' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto('/profile');
    await expect(page).toHaveURL(/\/login\?next=\/profile$/);
  });

  test('an admin signs in to the page asked for', async ({ page }) => {
    await page.goto('/admin/users');
    await expect(page).toHaveURL(/\/login\?next=/);

    await signIn(page, admin);

    await expect(page).toHaveURL(/\/admin\/users$/);
    await expect(page.getByRole('heading', { name: '회원 관리' })).toBeVisible();
  });
});
