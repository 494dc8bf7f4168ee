/**
 * Discarding queued e-mails in a real browser (no SMTP_URL, so messages stay queued): the queued
 * e-mails matching a recipient search discarded from the Outbox page, one message discarded from
 * its own page, and a held backlog sent with "Send all". Screenshots go to test-results/outbox-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { transaction } from '../../src/db/database.ts';
import { queueMessages } from '../../src/outbox/outbox.ts';
import {
  closeBrowser,
  openBrowser,
  openConsole,
  RESULTS,
  screenshot as save,
  waitForText,
} from '../support/browser.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'outbox', name);

/** Waits until the element shows text containing `text`. */
const showing = (locator: Locator, text: string) => locator.filter({ hasText: text }).first().waitFor();

describe('discarding queued e-mails (browser)', () => {
  let instance: TestInstance;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  const queue = (addresses: string[], kind: 'email_changed' | 'bulk_finished' = 'email_changed') =>
    transaction(instance.app.ctx.db, (trx) =>
      queueMessages(
        trx,
        instance.organizationId,
        addresses.map((to) => ({ kind, userId: null, to, locale: 'en', data: { email: to } })),
      ),
    );
  const statuses = async () =>
    (await page.getByTestId('outbox-table').locator('[data-column="status"]').allTextContents()).sort();

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance({ USHER_PUBLIC_URL: 'http://127.0.0.1:1' });
    await queue(['keep@kept.example', 'one@drop.example', 'two@drop.example']);
    await queue(['other-kind@drop.example'], 'bulk_finished');
    ({ browser, page } = await openBrowser(instance, problems));
  });

  after(() => closeBrowser(browser, instance));

  it('discards the queued e-mails matching a recipient search; they stay listed as discarded', async () => {
    await openConsole(page, instance, '/outbox');
    await page.getByTestId('outbox-search').fill('drop.example');
    const table = page.getByTestId('outbox-table');
    await table.getByRole('row').filter({ hasText: 'other-kind@drop.example' }).waitFor();
    await page.getByTestId('outbox-kind').click();
    await page.getByRole('option', { name: 'E-mail address changed' }).click();
    await table.getByRole('row').filter({ hasText: 'other-kind@drop.example' }).waitFor({ state: 'detached' });
    await table.getByRole('row').filter({ hasText: 'two@drop.example' }).waitFor();
    await table.getByRole('row').filter({ hasText: 'keep@kept.example' }).waitFor({ state: 'detached' });
    assert.deepEqual(await statuses(), ['Queued', 'Queued']);
    await page.getByTestId('outbox-discard-shown').click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Discard' }).click();
    await waitForText(page.getByTestId('outbox-notice'), 'E-mails discarded: 2');
    await showing(table.getByRole('row').filter({ hasText: 'one@drop.example' }), 'Discarded');
    assert.deepEqual(await statuses(), ['Discarded', 'Discarded']);
    await screenshot(page, 'a1-discarded');
    const otherKind = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select('status')
      .where('to_address', '=', 'other-kind@drop.example')
      .executeTakeFirstOrThrow();
    assert.equal(otherKind.status, 'queued', 'another kind is not discarded');
    await page.getByTestId('outbox-kind').click();
    await page.getByRole('option', { name: 'Any' }).click();
  });

  it('discards one message from its page', async () => {
    await page.getByTestId('outbox-search').fill('kept.example');
    const row = page.getByTestId('outbox-table').getByRole('row').filter({ hasText: 'keep@kept.example' });
    await row.locator('[data-column="subject"]').click();
    await showing(page.getByTestId('outbox-view-status'), 'Queued');
    await page.getByTestId('outbox-discard').click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Discard' }).click();
    await showing(page.getByTestId('outbox-view-status'), 'Discarded');
    assert.equal(await page.getByTestId('outbox-discard').count(), 0, 'a discarded message has no Discard button');
    const stored = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select('status')
      .where('to_address', '=', 'keep@kept.example')
      .executeTakeFirstOrThrow();
    assert.equal(stored.status, 'discarded');
  });

  it('warns about a held backlog and sends it all', async () => {
    await queue(Array.from({ length: 101 }, (_, index) => `user-${index}@backlog.example`));
    await openConsole(page, instance, '/outbox');
    const warning = page.getByTestId('outbox-backlog');
    // 101 new ones and the other kind left queued above.
    await showing(warning, 'Held, not sent: 102 queued e-mails');
    await screenshot(page, 'b1-backlog');
    await page.getByTestId('outbox-send-all').click();
    await waitForText(page.getByTestId('outbox-notice'), 'The queued e-mails are being sent.');
    await warning.waitFor({ state: 'detached' });
    assert.deepEqual(problems, []);
  });
});
