import { createOwner, expect, signIn, test, waitForHydration } from './fixtures';

/** Options for a second browser of the test's own: the project's address and language. */
function contextOptions() {
  return { baseURL: test.info().project.use.baseURL, locale: 'ko-KR' };
}

test.describe('the owner’s signed-in browsers', () => {
  test('an owner sees another browser and signs it out @phone', async ({ page, browser, consoleErrors }) => {
    const owner = await createOwner();
    // A second browser (its own cookies) signed in as the same owner.
    const other = await browser.newContext({
      ...contextOptions(),
      userAgent:
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    });
    const otherPage = await other.newPage();
    await otherPage.goto('/login');
    await signIn(otherPage, owner);
    await expect(otherPage).toHaveURL(/\/profile$/);

    await page.goto('/login');
    await waitForHydration(page);
    await signIn(page, owner);
    await expect(page).toHaveURL(/\/profile$/);
    await page.getByRole('link', { name: '로그인 기기' }).click();
    await expect(page).toHaveURL(/\/profile\/sessions$/);

    const items = page.getByTestId('session-item');
    await expect(items).toHaveCount(2);
    await expect(items.first()).toContainText('이 기기');
    await expect(items.nth(1)).toContainText('Safari · iPhone');
    await items.nth(1).getByRole('button', { name: '로그아웃시키기' }).click();

    await expect(page.getByRole('status')).toHaveText('선택한 기기를 로그아웃했습니다.');
    await expect(items).toHaveCount(1);
    await otherPage.goto('/profile');
    await expect(otherPage).toHaveURL(/\/login\?next=\/profile$/);
    expect(consoleErrors).toEqual([]);
    await other.close();
  });

  test('without JavaScript, every other browser can be signed out at once', async ({ browser }) => {
    const owner = await createOwner();
    const others = await Promise.all([browser.newContext(contextOptions()), browser.newContext(contextOptions())]);
    for (const context of others) {
      const otherPage = await context.newPage();
      await otherPage.goto('/login');
      await signIn(otherPage, owner);
      await expect(otherPage).toHaveURL(/\/profile$/);
    }
    const context = await browser.newContext({ ...contextOptions(), javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/login');
    await signIn(page, owner);
    await page.goto('/profile/sessions');
    await expect(page.getByTestId('session-item')).toHaveCount(3);

    await page.getByRole('button', { name: '다른 기기 2대 모두 로그아웃' }).click();

    await expect(page).toHaveURL(/\/profile\/sessions\?ended=others$/);
    await expect(page.getByRole('status')).toHaveText('이 기기를 제외한 모든 기기를 로그아웃했습니다.');
    await expect(page.getByTestId('session-item')).toHaveCount(1);
    for (const other of others) {
      const otherPage = other.pages()[0];
      await otherPage.goto('/profile');
      await expect(otherPage).toHaveURL(/\/login/);
      await other.close();
    }
    await context.close();
  });
});
