/**
 * Totals of the console's lists (issue 15, item 4): the groups list, the audit log, the outbox and
 * a bulk operation's rows say how many match their search and filters, not only how many are
 * loaded. Screenshots go to test-results/list-totals-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  closeBrowser,
  openBrowser,
  openConsole,
  pick,
  RESULTS,
  screenshot as save,
  waitForText,
} from '../support/browser.ts';
import { runBulk } from '../support/bulk.ts';
import { createProductWithProfiles } from '../support/catalog.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'list-totals', name);

describe('list totals (browser)', () => {
  let instance: TestInstance;
  let browser: Browser;
  let page: Page;
  let operationId = '';
  const problems: string[] = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance();
    const admin = await instance.signIn();
    await createProductWithProfiles(admin, 'Totals Pro', 1, ['Totals Standard']);
    // 55 groups: more than the 50 of the first page.
    for (let n = 1; n <= 55; n++) {
      const created = await admin.post('/api/v1/groups', { name: `Team ${String(n).padStart(2, '0')}` });
      assert.equal(created.status, 201, created.text);
    }
    const added = await admin.post('/api/v1/users', {
      users: [{ email: 'ann@totals.example' }, { email: 'bo@totals.example' }],
      sendInstructions: true,
    });
    assert.equal(added.status, 201, added.text);
    // Two rows for one license: one is added, the other fails.
    const { operation } = await runBulk(
      admin,
      { type: 'add-users' },
      'Email,Product Configurations\ncy@totals.example,Totals Standard\ndi@totals.example,Totals Standard\n',
    );
    assert.equal(operation.status, 'completed_with_errors');
    operationId = operation.id;
    ({ browser, page } = await openBrowser(instance, problems, { consoleErrors: true }));
  });

  after(() => closeBrowser(browser, instance));

  it('the groups list counts every group of the search, past the loaded page', async () => {
    await openConsole(page, instance, '/groups');
    await waitForText(page.getByTestId('groups-shown'), 'Groups shown: 50 of 55');
    await page.getByTestId('groups-search').fill('Team 1');
    await waitForText(page.getByTestId('groups-shown'), 'Groups shown: 10 of 10');
    await screenshot(page, 'a1-groups');
  });

  it('the audit log counts the events of its filter', async () => {
    await openConsole(page, instance, '/audit?action=group.create');
    await waitForText(page.getByTestId('audit-shown'), 'Events shown: 50 of 55');
    await page.getByTestId('audit-load-more').click();
    await waitForText(page.getByTestId('audit-shown'), 'Events shown: 55 of 55');
    await screenshot(page, 'a2-audit');
  });

  it('the outbox counts the e-mails of its filters', async () => {
    await openConsole(page, instance, '/outbox?q=totals.example');
    const shown = page.getByTestId('outbox-shown').filter({ hasText: /^E-mails shown: \d+ of \d+$/ });
    await shown.waitFor();
    const [, loaded, total] = /(\d+) of (\d+)/.exec((await shown.textContent()) ?? '') ?? [];
    // The instructions to ann and bo at least; every one of them loaded.
    assert.ok(Number(total) >= 2, `${total} e-mails`);
    assert.equal(loaded, total);
    await screenshot(page, 'a3-outbox');
  });

  it("a bulk operation's rows are counted for each outcome", async () => {
    await openConsole(page, instance, `/bulk/${operationId}`);
    await waitForText(page.getByTestId('bulk-rows-shown'), 'Rows shown: 2 of 2');
    await pick(page, 'bulk-rows-filter', 'Failed');
    await waitForText(page.getByTestId('bulk-rows-shown'), 'Rows shown: 1 of 1');
    await screenshot(page, 'a4-bulk-rows');
    assert.deepEqual(problems, []);
  });
});
