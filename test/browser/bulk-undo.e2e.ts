/**
 * Undo of a bulk operation in a real browser: "Undo" on the operation page opens a preview (a dry
 * run listing what each row would change), "Run for real" undoes it, and the original operation
 * shows who undid it. Screenshots go to test-results/bulk-undo-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { closeBrowser, openBrowser, openConsole, RESULTS, screenshot as save } from '../support/browser.ts';
import { runBulk } from '../support/bulk.ts';
import type { Client } from '../support/client.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'bulk-undo', name);

describe('undo of a bulk operation (browser)', () => {
  let instance: TestInstance;
  let client: Client;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance();
    client = await instance.signIn();
    ({ browser, page } = await openBrowser(instance, problems));
  });

  after(() => closeBrowser(browser, instance));

  const status = async (email: string) =>
    (
      await instance.app.ctx.db
        .selectFrom('users')
        .select('status')
        .where('organization_id', '=', instance.organizationId)
        .where('email', '=', email)
        .executeTakeFirstOrThrow()
    ).status;

  it('previews the undo, runs it for real, and shows who undid the operation', async () => {
    const added = await runBulk(
      client,
      { type: 'add-users' },
      'Email,First Name\nundo.one@undo.example,One\nundo.two@undo.example,Two\n',
    );
    assert.equal(added.operation.succeededRows, 2);
    await openConsole(page, instance, `/bulk/${added.operation.id}`);
    await page.getByTestId('bulk-undo').click();
    await page.getByTestId('bulk-undo-dialog').getByRole('button', { name: 'Undo' }).click();

    // The preview: a dry run of the undo, row by row; nothing changed yet.
    await page.getByTestId('bulk-undo-badge').waitFor();
    await page.getByTestId('bulk-dry-run').waitFor();
    await page.getByText('Would remove undo.one@undo.example').waitFor();
    await page.getByText('Would remove undo.two@undo.example').waitFor();
    assert.equal(await status('undo.one@undo.example'), 'active');
    await screenshot(page, 'a1-preview');

    await page.getByTestId('bulk-run').click();
    const dialog = page.getByTestId('bulk-run-dialog');
    await dialog.getByText('Undo for real?').waitFor();
    await dialog.getByRole('button', { name: 'Run for real' }).click();
    await page.getByText('Removed undo.one@undo.example').waitFor();
    await page.getByTestId('bulk-dry-run').waitFor({ state: 'detached' });
    assert.equal(await status('undo.one@undo.example'), 'removed');
    assert.equal(await status('undo.two@undo.example'), 'removed');
    await screenshot(page, 'a2-undone');

    await page.getByTestId('bulk-source').click();
    await page
      .getByTestId('bulk-undone-by')
      .filter({ hasText: `Undone by ${instance.admin.email}` })
      .waitFor();
    assert.equal(await page.getByTestId('bulk-undo').count(), 0, 'an undone operation offers no second undo');
    await screenshot(page, 'a3-original');
    assert.deepEqual(problems, []);
  });
  it('deletes the users a file added when the admin chooses so, warning that deletion is final', async () => {
    const added = await runBulk(client, { type: 'add-users' }, 'Email,First Name\ngone.one@undo.example,One\n');
    assert.equal(added.operation.succeededRows, 1);
    await openConsole(page, instance, `/bulk/${added.operation.id}`);
    await page.getByTestId('bulk-undo').click();
    const dialog = page.getByTestId('bulk-undo-dialog');
    assert.equal(await dialog.getByTestId('bulk-undo-delete-warning').count(), 0);
    await dialog.getByRole('checkbox', { name: 'Delete the users this file added, instead of removing them' }).check();
    await dialog.getByTestId('bulk-undo-delete-warning').getByText('Deletion is final').waitFor();
    await screenshot(page, 'b1-delete-choice');
    await dialog.getByRole('button', { name: 'Undo' }).click();

    // The preview says who would be deleted, and keeps the choice for the run for real.
    await page.getByTestId('bulk-undo-deletes-badge').waitFor();
    await page.getByText('Would delete gone.one@undo.example for good').waitFor();
    assert.equal(await status('gone.one@undo.example'), 'active');
    await page.getByTestId('bulk-run').click();
    await page.getByTestId('bulk-run-dialog').getByRole('button', { name: 'Run for real' }).click();
    await page.getByText('Deleted gone.one@undo.example for good').waitFor();
    const left = await instance.app.ctx.db
      .selectFrom('users')
      .select('id')
      .where('organization_id', '=', instance.organizationId)
      .where('email', '=', 'gone.one@undo.example')
      .execute();
    assert.deepEqual(left, []);
    await screenshot(page, 'b2-deleted');
    assert.deepEqual(problems, []);
  });
});
