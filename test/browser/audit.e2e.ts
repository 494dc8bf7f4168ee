/**
 * The audit log read by a person (issue 15, item 13), in Polish: the action filter is a picker of
 * the actions' translated names, the table shows values in words (no raw `∅`, `[]`, JSON or action
 * codes), and an event's details compare its fields before and after side by side.
 * Screenshots go to test-results/audit-*.png.
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
import { createProductWithProfiles } from '../support/catalog.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'audit', name);

/** What a table of audit events must never show: raw values and action codes. */
const RAW = ['∅', '[]', '{', '}', 'null', 'undefined', 'user.update', 'user.create', 'group.create'];

describe('audit log in words (browser)', () => {
  let instance: TestInstance;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance();
    const admin = await instance.signIn();
    await createProductWithProfiles(admin, 'Audit Pro', 5, ['Audit Standard']);
    assert.equal((await admin.post('/api/v1/groups', { name: 'Księgowość' })).status, 201);
    const added = await admin.post<{ items: { id: string }[] }>('/api/v1/users', {
      users: [{ email: 'ewa@audit.example', firstName: 'Ewa', lastName: 'Nowak' }],
    });
    assert.equal(added.status, 201, added.text);
    const id = added.body.items[0]!.id;
    // An edit that fills empty lists (groups, profiles) and changes a name: before and after differ.
    const edited = await admin.patch(`/api/v1/users/${id}`, {
      firstName: 'Ewelina',
      groups: ['Księgowość'],
      profiles: ['Audit Standard'],
    });
    assert.equal(edited.status, 200, edited.text);
    assert.equal((await admin.patch('/api/v1/me', { locale: 'pl' })).status, 200);
    ({ browser, page } = await openBrowser(instance, problems, { consoleErrors: true }));
  });

  after(() => closeBrowser(browser, instance));

  it('names every action in Polish and shows no raw value in the table', async () => {
    await openConsole(page, instance, '/audit');
    const table = page.getByTestId('audit-table');
    await waitForText(table.locator('[data-action="user.update"]').first(), 'Zmieniono użytkownika');
    await waitForText(table.locator('[data-action="user.create"]').first(), 'Dodano użytkownika');
    const text = (await table.textContent()) ?? '';
    for (const raw of RAW) {
      assert.ok(!text.includes(raw), `the table shows ${raw}: ${text}`);
    }
    // A change's summary names its fields in the console's language, not by their stored keys.
    assert.ok(text.includes('Imię: Ewa → Ewelina'), `the summary of the edit: ${text}`);
    assert.ok(!text.includes('first_name'), `the table shows a stored key: ${text}`);
    await screenshot(page, 'a1-table-pl');
  });

  it('filters by an action chosen by its Polish name in the picker; the address keeps its code', async () => {
    const table = page.getByTestId('audit-table');
    const picker = page.getByTestId('audit-filter-action');
    await picker.fill('Zmieniono u');
    await page.getByRole('option', { name: 'Zmieniono użytkownika', exact: true }).click();
    await page.getByRole('listbox').waitFor({ state: 'detached' });
    assert.equal(await picker.inputValue(), 'Zmieniono użytkownika');
    await page.getByTestId('audit-apply').click();
    await page.waitForURL(/\/audit\?action=user\.update$/);
    await table.locator('[data-action]:not([data-action="user.update"])').first().waitFor({ state: 'detached' });
    const cells = await table.locator('[data-action]').all();
    const actions = await Promise.all(cells.map((cell) => cell.getAttribute('data-action')));
    assert.deepEqual(actions, ['user.update']);
    // The bookmarked view names the action in words again.
    await page.reload();
    await waitForText(table.locator('[data-action="user.update"]'), 'Zmieniono użytkownika');
    assert.equal(await picker.inputValue(), 'Zmieniono użytkownika');
    await screenshot(page, 'a2-filtered-pl');
    assert.deepEqual(await violations(page), [], 'axe on the filtered audit log');
  });

  it("opens the edit's details: fields before and after side by side, in words", async () => {
    await page.getByTestId('audit-table').locator('[data-column="action"]').first().click();
    const details = page.getByTestId('audit-event-dialog');
    await details.waitFor();
    const diff = details.getByTestId('audit-event-diff');
    const firstName = diff.locator('tr[data-field="first_name"]');
    await waitForText(firstName.locator('[data-side="before"]'), 'Ewa');
    await waitForText(firstName.locator('[data-side="after"]'), 'Ewelina');
    assert.equal(await firstName.getAttribute('data-changed'), 'true');
    // The field by its name in the console's language, not its stored key.
    await waitForText(firstName.locator('th'), 'Imię');
    const diffText = (await diff.textContent()) ?? '';
    assert.ok(diffText.includes('Księgowość'), diffText);
    assert.ok(!diffText.includes('first_name'), `the details show a stored key: ${diffText}`);
    for (const raw of ['∅', '[]', '{"', 'null', 'undefined']) {
      assert.ok(!diffText.includes(raw), `the details show ${raw}: ${diffText}`);
    }
    await screenshot(page, 'a3-details-pl');
    assert.deepEqual(await violations(page), [], 'axe on the details');
    await page.getByTestId('audit-event-close').click();
    await details.waitFor({ state: 'detached' });
    assert.deepEqual(problems, []);
  });
});
