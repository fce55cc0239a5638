import { randomUUID } from 'node:crypto';
import {
  codeIn,
  createOwner,
  expect,
  expectNoSidewaysScroll,
  linkIn,
  signIn,
  test,
  waitForHydration,
  waitForMail,
  type Page,
} from './fixtures';

const NEW_PASSWORD = 'harbor-tangerine-73';

async function requestReset(page: Page, email: string) {
  await page.goto('/login');
  await page.getByRole('link', { name: '비밀번호를 잊으셨나요?' }).click();
  await expect(page).toHaveURL(/\/password\/forgot$/);
  await expectNoSidewaysScroll(page);
  await page.getByLabel('이메일').fill(email);
  await page.getByRole('button', { name: '인증 메일 받기' }).click();
  await expect(page).toHaveURL(/\/password\/reset\?sent=1$/);
  await expect(page.getByRole('status')).toContainText('가입된 이메일이라면');
  await expectNoSidewaysScroll(page);
}

async function setNewPassword(page: Page) {
  await page.locator('#new_password').fill(NEW_PASSWORD);
  await page.getByLabel('새 비밀번호 확인').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: '비밀번호 재설정' }).click();
  await expect(page).toHaveURL(/\/login\?notice=password-reset$/);
  await expect(page.getByRole('status')).toContainText('새 비밀번호로 로그인해 주세요.');
}

async function signUp(page: Page): Promise<string> {
  const id = randomUUID().replaceAll('-', '');
  const email = `verify-${id.slice(0, 10)}@e2e-test.kr`;
  const digits = String(parseInt(id.slice(10, 18), 16) % 100_000_000).padStart(8, '0');
  await page.goto('/signup');
  await page.getByLabel('이름').fill('박지민');
  await page.getByLabel('휴대폰 번호').fill(`010${digits}`);
  await page.getByLabel('이메일').fill(email);
  await page.locator('#password').fill('tangerine-harbor-42');
  await page.getByLabel('비밀번호 확인').fill('tangerine-harbor-42');
  await page.getByLabel('상호').fill('지민 베이커리');
  await page.getByLabel('업종').fill('베이커리');
  await page.getByLabel('주소').fill('부산광역시 해운대구 1');
  await page.getByRole('button', { name: '가입하기' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId('verify-banner')).toContainText('이메일 인증이 필요합니다');
  await expectNoSidewaysScroll(page);
  return email;
}

test.describe('with the app hydrated', () => {
  test('an owner who forgot the password sets a new one with the mailed code @phone', async ({
    page,
    consoleErrors,
  }) => {
    const owner = await createOwner();
    await page.goto('/login');
    await waitForHydration(page);

    await requestReset(page, owner.email);
    const code = codeIn(await waitForMail(owner.email, '비밀번호 재설정'));
    await page.getByLabel('이메일').fill(owner.email);
    await page.getByLabel('인증 코드').fill(code);
    await setNewPassword(page);

    await signIn(page, { email: owner.email, password: NEW_PASSWORD });
    await expect(page).toHaveURL(/\/profile$/);
    await waitForMail(owner.email, '비밀번호가 변경되었습니다');
    expect(consoleErrors).toEqual([]);
  });

  test('a new owner verifies the address with the code from the mail @phone', async ({ page, consoleErrors }) => {
    await page.goto('/signup');
    await waitForHydration(page);
    const email = await signUp(page);
    const code = codeIn(await waitForMail(email, '이메일 주소를 확인'));

    await page.getByTestId('verify-banner').getByRole('link', { name: '인증 코드 입력' }).click();
    await expect(page).toHaveURL(/\/email\/verify$/);
    await expectNoSidewaysScroll(page);
    await page.getByLabel('인증 코드').fill(code);
    await page.getByRole('button', { name: '인증하기' }).click();

    await expect(page).toHaveURL(/\/profile\?saved=verified$/);
    await expect(page.getByRole('status')).toContainText('이메일 인증을 마쳤습니다.');
    await expect(page.getByTestId('verify-banner')).toHaveCount(0);
    expect(consoleErrors).toEqual([]);
  });
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the link in the mail resets the password in another browser @phone', async ({ page, browser }) => {
    const owner = await createOwner();
    await requestReset(page, owner.email);
    const link = linkIn(await waitForMail(owner.email, '비밀번호 재설정'), '/password/reset?token=');

    // A mail app's own browser: nothing from the page that asked.
    const mailApp = await browser.newPage({ javaScriptEnabled: false });
    await mailApp.goto(link);
    await expect(mailApp.getByText('메일의 링크로 오셨습니다.')).toBeVisible();
    await setNewPassword(mailApp);
    await signIn(mailApp, { email: owner.email, password: NEW_PASSWORD });
    await expect(mailApp).toHaveURL(/\/profile$/);
    await mailApp.close();
  });

  test('a wrong code is marked at the field and changes nothing', async ({ page }) => {
    const owner = await createOwner();
    await requestReset(page, owner.email);
    const code = codeIn(await waitForMail(owner.email, '비밀번호 재설정'));
    const wrong = code === '000000' ? '111111' : '000000';

    await page.getByLabel('이메일').fill(owner.email);
    await page.getByLabel('인증 코드').fill(wrong);
    await page.locator('#new_password').fill(NEW_PASSWORD);
    await page.getByLabel('새 비밀번호 확인').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: '비밀번호 재설정' }).click();

    await expect(page.locator('#code-error')).toContainText('인증 코드가 올바르지 않습니다');
    await expect(page.getByLabel('인증 코드')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel('이메일')).toHaveValue(owner.email);
    expect(page.url()).not.toContain(owner.email);
  });

  test('the link in the mail verifies a new owner\'s address with one click @phone', async ({ page }) => {
    const email = await signUp(page);
    const link = linkIn(await waitForMail(email, '이메일 주소를 확인'), '/email/verify?token=');

    await page.goto(link);
    await expect(page.getByText('이메일 인증이 완료됩니다')).toBeVisible();
    await expectNoSidewaysScroll(page);
    await page.getByRole('button', { name: '확인 완료하기' }).click();

    await expect(page).toHaveURL(/\/profile\?saved=verified$/);
    await expect(page.getByTestId('verify-banner')).toHaveCount(0);
  });
});
