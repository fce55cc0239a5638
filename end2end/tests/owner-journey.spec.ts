import { randomUUID } from 'node:crypto';
import { codeIn, expect, signIn, test, waitForHydration, waitForMail, type Page } from './fixtures';

interface NewOwner {
  name: string;
  phone: string;
  email: string;
  password: string;
}

function newOwner(): NewOwner {
  const id = randomUUID().replaceAll('-', '');
  const digits = String(parseInt(id.slice(0, 8), 16) % 100_000_000).padStart(8, '0');
  return {
    name: '김민수',
    phone: `010${digits}`,
    email: `journey-${id.slice(0, 10)}@e2e-test.kr`,
    password: 'tangerine-harbor-42',
  };
}

async function fillSignup(page: Page, owner: NewOwner) {
  await page.getByLabel('이름').fill(owner.name);
  await page.getByLabel('휴대폰 번호').fill(owner.phone);
  await page.getByLabel('이메일').fill(owner.email);
  await page.locator('#password').fill(owner.password);
  await page.getByLabel('비밀번호 확인').fill(owner.password);
  await page.getByLabel('상호').fill('민수네 분식');
  await page.getByLabel('업종').fill('음식점');
  await page.getByLabel('주소').fill('서울특별시 마포구 월드컵로 1');
  await page.getByLabel('영업시간').fill('매일 10:00-22:00');
}

test('an owner signs up, edits everything, changes the password, withdraws and signs up again', async ({
  page,
  consoleErrors,
}) => {
  const owner = newOwner();
  await page.goto('/signup');
  await waitForHydration(page);

  // Sign up: lands on the profile, signed in.
  await fillSignup(page, owner);
  await page.getByRole('button', { name: '가입하기' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId('signed-in-email')).toHaveText(owner.email);
  await expect(page.getByTestId('profile-phone')).toHaveText(
    `${owner.phone.slice(0, 3)}-${owner.phone.slice(3, 7)}-${owner.phone.slice(7)}`,
  );

  // The owner's details.
  const ownerForm = page.locator('section', { has: page.getByRole('heading', { name: '대표자 정보' }) });
  await ownerForm.getByLabel('이름').fill('이영희');
  await ownerForm.getByRole('button', { name: '대표자 정보 저장' }).click();
  await expect(page.getByRole('status')).toHaveText('대표자 정보를 저장했습니다.');
  await expect(page.getByTestId('profile-name')).toHaveText('이영희');

  // The store.
  const storeForm = page.locator('section', { has: page.getByRole('heading', { name: '매장 정보' }) });
  await storeForm.getByLabel('상호').fill('영희네 카페');
  await storeForm.getByLabel('업종').fill('카페');
  await storeForm.getByRole('button', { name: '매장 정보 저장' }).click();
  await expect(page.getByRole('status')).toHaveText('매장 정보를 저장했습니다.');
  await expect(page.getByTestId('profile-store')).toHaveText('영희네 카페 · 카페');

  // The e-mail: asked with the password, done once the new address confirms with its code.
  const newEmail = owner.email.replace('journey-', 'moved-');
  const emailForm = page.locator('section', { has: page.getByRole('heading', { name: '로그인 이메일 변경' }) });
  await emailForm.getByLabel('새 이메일').fill(newEmail);
  await emailForm.getByLabel('현재 비밀번호').fill(owner.password);
  await emailForm.getByRole('button', { name: '이메일 변경' }).click();
  await expect(page.getByRole('status')).toContainText('새 이메일로 확인 메일을 보냈습니다.');
  await expect(page.getByTestId('pending-email')).toContainText(newEmail);
  await expect(page.getByTestId('signed-in-email')).toHaveText(owner.email);
  const code = codeIn(await waitForMail(newEmail, '새 로그인 이메일'));
  await page.getByTestId('pending-email').getByRole('link', { name: '인증 코드 입력' }).click();
  await expect(page).toHaveURL(/\/email\/verify$/);
  await page.getByLabel('인증 코드').fill(code);
  await page.getByRole('button', { name: '인증하기' }).click();
  await expect(page).toHaveURL(/\/profile\?saved=email$/);
  await expect(page.getByRole('status')).toContainText('로그인 이메일을 변경했습니다.');
  await expect(page.getByTestId('signed-in-email')).toHaveText(newEmail);
  await expect(page.getByTestId('pending-email')).toHaveCount(0);

  // The password.
  const newPassword = 'quiet-violet-lantern-7';
  await page.getByRole('link', { name: '비밀번호 변경' }).click();
  await page.getByLabel('현재 비밀번호').fill(owner.password);
  await page.locator('#new_password').fill(newPassword);
  await page.getByLabel('새 비밀번호 확인').fill(newPassword);
  await page.getByRole('button', { name: '비밀번호 변경' }).click();
  await expect(page.getByRole('status')).toContainText('비밀번호를 변경했습니다.');
  // The profile's data has arrived too. (Signing out while it is still loading would make
  // that request fail with 401, rightly, and Chrome would log it.)
  await expect(page.getByTestId('signed-in-email')).toHaveText(newEmail);

  // Sign out and in again with the new e-mail and password.
  await page.getByRole('button', { name: '로그아웃' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await signIn(page, { email: newEmail, password: newPassword });
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId('signed-in-email')).toHaveText(newEmail);

  // Withdraw.
  await page.getByRole('link', { name: '회원 탈퇴' }).click();
  await page.getByLabel('비밀번호 확인').fill(newPassword);
  await page.getByRole('button', { name: '탈퇴하기' }).click();
  await expect(page).toHaveURL(/\/login\?withdrawn=1$/);
  await expect(page.getByRole('status')).toContainText('회원 탈퇴가 완료되었습니다.');

  // The withdrawn account cannot sign in.
  await signIn(page, { email: newEmail, password: newPassword });
  await expect(page.getByRole('alert')).toHaveText('이메일 또는 비밀번호가 올바르지 않습니다. 여러 번 잘못 입력하면 계정이 15분 동안 잠깁니다.');

  // The same e-mail and phone can sign up again.
  await page.goto('/signup');
  await waitForHydration(page);
  await fillSignup(page, { ...owner, email: newEmail });
  await page.getByRole('button', { name: '가입하기' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId('signed-in-email')).toHaveText(newEmail);

  // The one entry Chrome logs is the 400 of the refused sign-in above: no script errors.
  expect(consoleErrors).toEqual([
    'Failed to load resource: the server responded with a status of 400 (Bad Request)',
  ]);
});

test('sign-up fields are checked as the user types @phone', async ({ page }) => {
  await page.goto('/signup');
  await waitForHydration(page);

  await page.getByLabel('휴대폰 번호').fill('02-123');
  await page.getByLabel('이메일').focus();

  await expect(page.locator('#phone_number-error')).toHaveText(
    '휴대폰 번호 형식이 올바르지 않습니다. 예: 010-1234-5678',
  );
  await expect(page.getByLabel('휴대폰 번호')).toHaveAttribute('aria-invalid', 'true');

  // Fixed while typing: the message goes away without a submit.
  await page.getByLabel('휴대폰 번호').fill('010-1234-5678');
  await expect(page.locator('#phone_number-error')).toBeHidden();

  await page.locator('#password').fill('tangerine-harbor-42');
  await page.getByLabel('비밀번호 확인').fill('tangerine-harbor-4');
  await page.getByLabel('상호').focus();
  await expect(page.locator('#password_confirm-error')).toHaveText('비밀번호가 서로 다릅니다. 다시 확인해 주세요.');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a sign-up with errors comes back with messages and what was typed, except passwords', async ({ page }) => {
    const owner = newOwner();
    await page.goto('/signup');
    await fillSignup(page, { ...owner, phone: '12345', password: 'password123' });

    await page.getByRole('button', { name: '가입하기' }).click();

    await expect(page).toHaveURL(/\/signup\?/);
    await expect(page.getByRole('alert')).toContainText('입력한 내용을 확인해 주세요.');
    await expect(page.locator('#phone_number-error')).toHaveText(
      '휴대폰 번호 형식이 올바르지 않습니다. 예: 010-1234-5678',
    );
    await expect(page.locator('#password-error')).toHaveText(
      '너무 흔하거나 추측하기 쉬운 비밀번호입니다. 다른 비밀번호를 사용해 주세요.',
    );
    await expect(page.getByLabel('이메일')).toHaveValue(owner.email);
    await expect(page.getByLabel('상호')).toHaveValue('민수네 분식');
    await expect(page.getByLabel('영업시간')).toHaveValue('매일 10:00-22:00');
    await expect(page.locator('#password')).toHaveValue('');

    // Corrected, the same form signs the owner up.
    await page.getByLabel('휴대폰 번호').fill(owner.phone);
    await page.locator('#password').fill(owner.password);
    await page.getByLabel('비밀번호 확인').fill(owner.password);
    await page.getByRole('button', { name: '가입하기' }).click();
    await expect(page).toHaveURL(/\/profile$/);
    await expect(page.getByTestId('signed-in-email')).toHaveText(owner.email);
  });
});
