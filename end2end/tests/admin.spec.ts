import { randomUUID } from 'node:crypto';
import { admin, createOwner, expect, signIn, test, waitForHydration, type Page } from './fixtures';

/** A word only this test's owners carry in their store name, to search for. */
function token() {
  return `t${randomUUID().slice(0, 8)}`;
}

async function signInAsAdmin(page: Page) {
  await page.goto('/login');
  await waitForHydration(page);
  await signIn(page, admin);
  await expect(page).toHaveURL(/\/admin\/users$/);
}

function rowOf(page: Page, email: string) {
  return page.locator('tbody tr', { hasText: email });
}

test('an admin searches, filters, sorts and pages the user table', async ({ page }) => {
  const word = token();
  const owners = [
    await createOwner('ACTIVE', { name: '가나다', storeName: `${word} 카페` }),
    await createOwner('ACTIVE', { name: '다라마', storeName: `${word} 분식` }),
    await createOwner('LOCKED', { name: '나다라', storeName: `${word} 빵집` }),
  ];
  await signInAsAdmin(page);

  // Search.
  await page.getByLabel('검색').fill(word);
  await page.getByRole('button', { name: '검색' }).click();
  await expect(page).toHaveURL(new RegExp(`q=${word}`));
  await expect(page.getByTestId('match-count')).toHaveText('검색 결과 3명');
  await expect(page.locator('tbody tr')).toHaveCount(3);

  // Filter by status.
  await page.getByLabel('상태', { exact: true }).selectOption('LOCKED');
  await page.getByRole('button', { name: '검색' }).click();
  await expect(page).toHaveURL(/status=LOCKED/);
  await expect(page.locator('tbody tr')).toHaveCount(1);
  await expect(rowOf(page, owners[2].email)).toBeVisible();

  // Sort by name, both ways, from the column header.
  await page.goto(`/admin/users?q=${word}`);
  await page.getByRole('link', { name: '이름' }).click();
  await expect(page).toHaveURL(/sort=name/);
  await expect(page.locator('tbody tr td:nth-child(2)')).toHaveText(['가나다', '나다라', '다라마']);
  await page.getByRole('link', { name: /이름/ }).click();
  await expect(page.locator('tbody tr td:nth-child(2)')).toHaveText(['다라마', '나다라', '가나다']);

  // Page through, one a page; the back button returns to the previous page.
  await page.goto(`/admin/users?q=${word}&sort=name&dir=asc&per_page=1`);
  await expect(page.locator('tbody tr td:nth-child(2)')).toHaveText(['가나다']);
  await page.getByRole('link', { name: '다음' }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.locator('tbody tr td:nth-child(2)')).toHaveText(['나다라']);
  await page.goBack();
  await expect(page.locator('tbody tr td:nth-child(2)')).toHaveText(['가나다']);
});

test('locking an owner signs them out in their own browser', async ({ page, browser }) => {
  const word = token();
  const owner = await createOwner('ACTIVE', { storeName: `${word} 상점` });
  const ownerContext = await browser.newContext();
  const ownerPage = await ownerContext.newPage();
  await ownerPage.goto('/login');
  await waitForHydration(ownerPage);
  await signIn(ownerPage, owner);
  await expect(ownerPage).toHaveURL(/\/profile$/);

  await signInAsAdmin(page);
  await page.goto(`/admin/users?q=${word}`);
  await waitForHydration(page);
  const row = rowOf(page, owner.email);
  await row.getByLabel(/상태$/).selectOption('LOCKED');
  await row.getByRole('button', { name: '상태 변경' }).click();
  await expect(rowOf(page, owner.email).locator('.status')).toHaveText('잠김');

  await ownerPage.reload();
  await expect(ownerPage).toHaveURL(/\/login\?next=\/profile$/);
  await ownerContext.close();

  // The user's page shows the change in the history.
  await rowOf(page, owner.email).getByRole('link').first().click();
  await expect(page.getByTestId('detail-status')).toHaveText('잠김');
  await expect(page.locator('section', { hasText: '관리 이력' })).toContainText('상태 변경');
});

test('an admin changes the status of several users at once', async ({ page }) => {
  const word = token();
  const first = await createOwner('ACTIVE', { storeName: `${word} 하나` });
  const second = await createOwner('ACTIVE', { storeName: `${word} 둘` });
  await signInAsAdmin(page);
  await page.goto(`/admin/users?q=${word}`);

  await rowOf(page, first.email).getByRole('checkbox').check();
  await rowOf(page, second.email).getByRole('checkbox').check();
  await page.locator('#bulk-status').selectOption('INACTIVE');
  await page.getByRole('button', { name: '상태로 변경' }).click();

  await expect(page).toHaveURL(/bulk=2/);
  await expect(page.getByRole('status')).toContainText('2명');
  await expect(rowOf(page, first.email).locator('.status')).toHaveText('비활성');
  await expect(rowOf(page, second.email).locator('.status')).toHaveText('비활성');
});

test('the CSV export holds the filtered users, readable Korean included', async ({ page }) => {
  const word = token();
  const owner = await createOwner('ACTIVE', { name: '최엑셀', storeName: `${word} 베이커리` });
  await signInAsAdmin(page);
  await page.goto(`/admin/users?q=${word}`);

  const link = page.getByRole('link', { name: 'CSV 내보내기' });
  await expect(link).toHaveAttribute('href', `/admin/users.csv?q=${word}`);
  const response = await page.request.get(`/admin/users.csv?q=${word}`);

  expect(response.status()).toBe(200);
  const body = await response.body();
  expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = body.subarray(3).toString('utf8').trim().split('\n');
  expect(lines[0]).toBe('이름,이메일,휴대폰,권한,상태,상호,업종,가입일,최근 로그인');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(`최엑셀,${owner.email},`);
  expect(lines[1]).toContain(`${word} 베이커리,카페`);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the table filters by URL and a row action works', async ({ page }) => {
    const word = token();
    const owner = await createOwner('ACTIVE', { storeName: `${word} 가게` });
    await page.goto('/login');
    await signIn(page, admin);
    await page.goto(`/admin/users?q=${word}`);
    await expect(page.locator('tbody tr')).toHaveCount(1);

    const row = rowOf(page, owner.email);
    await row.getByLabel(/상태$/).selectOption('INACTIVE');
    await row.getByRole('button', { name: '상태 변경' }).click();

    await expect(page).toHaveURL(new RegExp(`q=${word}`));
    await expect(rowOf(page, owner.email).locator('.status')).toHaveText('비활성');
  });
});
