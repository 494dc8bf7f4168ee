/**
 * The Remove users dialog (issue 15, item 14): it names who is removed, and choosing to delete the
 * users' content warns that deletion is final before anything happens.
 * Screenshots go to test-results/remove-dialog-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { violations } from '../support/axe.ts';
import {
  closeBrowser,
  openBrowser,
  openConsole,
  RESULTS,
  screenshot as save,
  waitForText,
} from '../support/browser.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'remove-dialog', name);

describe('the Remove users dialog (browser)', () => {
  let instance: TestInstance;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance();
    const admin = await instance.signIn();
    const added = await admin.post('/api/v1/users', {
      users: ['ola', 'piotr', 'rita'].map((name) => ({ email: `${name}@remove.example` })),
    });
    assert.equal(added.status, 201, added.text);
    ({ browser, page } = await openBrowser(instance, problems, { consoleErrors: true }));
  });

  after(() => closeBrowser(browser, instance));

  it('lists who is removed and warns that deleting their content is final; Cancel removes no one', async () => {
    await openConsole(page, instance, '/users');
    for (const email of ['ola@remove.example', 'piotr@remove.example']) {
      await page.getByTestId('users-table').getByRole('row').filter({ hasText: email }).getByRole('checkbox').click();
    }
    await waitForText(page.getByTestId('users-remove'), 'Remove (2)');
    await page.getByTestId('users-remove').click();
    const dialog = page.getByTestId('remove-users-dialog');
    await dialog.waitFor();
    await dialog.getByText('These users are removed:').waitFor();
    const who = (await dialog.getByTestId('remove-users-who').getByRole('listitem').allTextContents()).sort();
    assert.deepEqual(who, ['ola@remove.example', 'piotr@remove.example']);
    // No warning until deletion is chosen.
    assert.equal(await dialog.getByTestId('remove-delete-warning').count(), 0);
    await dialog.getByTestId('remove-delete-content').click();
    const warning = dialog.getByTestId('remove-delete-warning');
    await warning.getByText('Deletion is final').waitFor();
    await warning.getByText('cannot be recovered, not even by restoring the users').waitFor();
    await screenshot(page, 'a1-delete-warning');
    assert.deepEqual(await violations(page), [], 'axe on the dialog with its warning');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    const users = await instance.app.ctx.db
      .selectFrom('users')
      .select(['email', 'status'])
      .where('email', 'like', '%@remove.example')
      .orderBy('email')
      .execute();
    assert.deepEqual(
      users.map((user) => user.status),
      ['active', 'active', 'active'],
    );
    assert.deepEqual(problems, []);
  });
});
