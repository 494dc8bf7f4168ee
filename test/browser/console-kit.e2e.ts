/**
 * The console's shared kit in a real browser (issue 15, items 15 and 16): the users table sorts by
 * its column headers (aria-sort, by keyboard too) with the sort kept in the address (Back restores
 * it), as do the groups (by name) and the audit log (by time); success messages are toasts over
 * the page that do not move the table; every button of every page has the console's one button
 * style. axe-core checks each state. Screenshots go to test-results/console-kit-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { violations } from '../support/axe.ts';
import { closeBrowser, openBrowser, openConsole, RESULTS, screenshot as save } from '../support/browser.ts';
import { createProductWithProfiles } from '../support/catalog.ts';
import type { Client } from '../support/client.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'console-kit', name);

/** Added one by one (so their creation times differ), with last names in another order than e-mails. */
const PEOPLE = [
  { email: 'dora@kit.example', lastName: 'Adamska' },
  { email: 'bob@kit.example', lastName: 'Zieliński' },
  { email: 'ewa@kit.example', lastName: 'Mazur' },
  { email: 'adam@kit.example', lastName: 'Kowal' },
];

/** The e-mails of the users table's rows, top to bottom (the kit's users only). */
async function shownEmails(page: Page): Promise<string[]> {
  const cells = await page.getByTestId('users-table').locator('[data-column="email"]').allTextContents();
  return cells.filter((email) => email.endsWith('@kit.example'));
}

/** Waits until the table shows the kit's users in this order. */
async function waitForOrder(page: Page, expected: string[], what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  let shown: string[] = [];
  while (Date.now() < deadline) {
    shown = await shownEmails(page);
    if (JSON.stringify(shown) === JSON.stringify(expected)) {
      return;
    }
    await page.waitForTimeout(100);
  }
  assert.deepEqual(shown, expected, what);
}

function header(page: Page, name: string) {
  return page.getByTestId('users-table').getByRole('columnheader', { name, exact: true });
}

describe('console kit: sortable columns, toasts, one button style (browser)', () => {
  let instance: TestInstance;
  let admin: Client;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const ids: Record<string, string> = {};

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance();
    admin = await instance.signIn();
    await createProductWithProfiles(admin, 'Acrobat', 10, ['Acrobat Pro']);
    for (const person of PEOPLE) {
      const added = await admin.post<{ items: { id: string }[] }>('/api/v1/users', { users: [person] });
      assert.equal(added.status, 201, added.text);
      ids[person.email] = added.body.items[0]?.id ?? '';
    }
    const removed = await admin.post('/api/v1/users/remove', { userIds: [ids['ewa@kit.example']] });
    assert.equal(removed.status, 200, removed.text);
    for (const name of ['Kit group', 'Kit alpha', 'Kit omega']) {
      const group = await admin.post<{ id: string }>('/api/v1/groups', { name });
      assert.equal(group.status, 201, group.text);
      ids[name] = group.body.id;
    }
    ids.group = ids['Kit group'] ?? '';
    ({ browser, page } = await openBrowser(instance, problems));
  });

  after(() => closeBrowser(browser, instance));

  it('column headers sort the users list; the address keeps the sort and Back restores it', async () => {
    await openConsole(page, instance, '/users?search=kit.example');
    const byEmail = ['adam@kit.example', 'bob@kit.example', 'dora@kit.example', 'ewa@kit.example'];
    await waitForOrder(page, byEmail, 'by e-mail at first');
    assert.equal(await header(page, 'E-mail').getAttribute('aria-sort'), 'ascending');
    for (const name of ['Name', 'Identity type', 'Status', 'Created']) {
      assert.equal(await header(page, name).getAttribute('aria-sort'), 'none', `${name} sorts`);
    }
    assert.equal(await header(page, 'Products').getAttribute('aria-sort'), null, 'Products does not sort');

    await header(page, 'Created').click();
    const created = PEOPLE.map((person) => person.email);
    await waitForOrder(page, created, 'by creation time');
    assert.match(page.url(), /[?&]sort=created(&|$)/);
    assert.equal(await header(page, 'Created').getAttribute('aria-sort'), 'ascending');
    await header(page, 'Created').click();
    await waitForOrder(page, [...created].reverse(), 'newest first');
    assert.match(page.url(), /[?&]sort=-created(&|$)/);
    assert.equal(await header(page, 'Created').getAttribute('aria-sort'), 'descending');
    assert.match(page.url(), /search=kit\.example/, 'the search stays');

    await header(page, 'Name').click();
    await waitForOrder(
      page,
      ['dora@kit.example', 'adam@kit.example', 'ewa@kit.example', 'bob@kit.example'],
      'by last name',
    );
    assert.match(page.url(), /[?&]sort=name(&|$)/);

    // By keyboard: the header takes focus and Enter sorts by it.
    await header(page, 'Status').focus();
    await page.keyboard.press('Enter');
    const byStatus = ['adam@kit.example', 'bob@kit.example', 'dora@kit.example', 'ewa@kit.example'];
    await waitForOrder(page, byStatus, 'by status (active, then removed)');
    assert.match(page.url(), /[?&]sort=status(&|$)/);
    assert.equal(await header(page, 'Status').getAttribute('aria-sort'), 'ascending');
    await page.keyboard.press('Enter');
    await waitForOrder(
      page,
      ['ewa@kit.example', 'dora@kit.example', 'bob@kit.example', 'adam@kit.example'],
      'by status, descending',
    );
    assert.match(page.url(), /[?&]sort=-status(&|$)/);
    assert.deepEqual(await violations(page), [], 'axe on the sorted list');
    await screenshot(page, 'a-sorted');

    // To a user's details and Back: the same sort.
    await page.getByTestId('users-table').getByRole('row').filter({ hasText: 'bob@kit.example' }).click();
    await page.waitForURL(`**/users/${ids['bob@kit.example']}`);
    await page.goBack();
    await page.waitForURL(/\/users\?/);
    assert.match(page.url(), /[?&]sort=-status(&|$)/);
    await waitForOrder(
      page,
      ['ewa@kit.example', 'dora@kit.example', 'bob@kit.example', 'adam@kit.example'],
      'Back restores the sort',
    );
    assert.equal(await header(page, 'Status').getAttribute('aria-sort'), 'descending');

    // A bookmarked address opens sorted.
    await openConsole(page, instance, '/users?search=kit.example&sort=identityType');
    await waitForOrder(page, byEmail, 'by identity type (all Personal ID), then e-mail');
    assert.equal(await header(page, 'Identity type').getAttribute('aria-sort'), 'ascending');
    assert.deepEqual(problems, []);
  });

  it('groups sort by name and the audit log by time from their headers, kept in the address', async () => {
    await openConsole(page, instance, '/groups?search=kit');
    const groupNames = () => page.getByTestId('groups-table').locator('[data-column="name"]').allTextContents();
    const waitForGroups = async (expected: string[]) => {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && JSON.stringify(await groupNames()) !== JSON.stringify(expected)) {
        await page.waitForTimeout(100);
      }
      assert.deepEqual(await groupNames(), expected);
    };
    await waitForGroups(['Kit alpha', 'Kit group', 'Kit omega']);
    const nameHeader = page.getByTestId('groups-table').getByRole('columnheader', { name: 'Group', exact: true });
    assert.equal(await nameHeader.getAttribute('aria-sort'), 'ascending');
    await nameHeader.click();
    await waitForGroups(['Kit omega', 'Kit group', 'Kit alpha']);
    assert.match(page.url(), /[?&]sort=-name(&|$)/);
    assert.equal(await nameHeader.getAttribute('aria-sort'), 'descending');
    assert.deepEqual(await violations(page), [], 'axe on the sorted groups');
    await page.getByTestId('groups-table').getByRole('row').filter({ hasText: 'Kit omega' }).click();
    await page.waitForURL(`**/groups/${ids['Kit omega']}`);
    await page.goBack();
    await waitForGroups(['Kit omega', 'Kit group', 'Kit alpha']);
    assert.match(page.url(), /[?&]sort=-name(&|$)/);

    await openConsole(page, instance, '/audit');
    const actions = () =>
      page
        .getByTestId('audit-table')
        .locator('[data-action]')
        .evaluateAll((cells) =>
          (cells as unknown as { getAttribute(name: string): string | null }[])
            .slice(0, 5)
            .map((cell) => cell.getAttribute('data-action')),
        );
    const expected = async (sort: string) =>
      (await admin.get<{ items: { action: string }[] }>(`/api/v1/audit-events?sort=${sort}&limit=5`)).body.items.map(
        (event) => event.action,
      );
    const waitForActions = async (sort: string) => {
      const want = await expected(sort);
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && JSON.stringify(await actions()) !== JSON.stringify(want)) {
        await page.waitForTimeout(100);
      }
      assert.deepEqual(await actions(), want, sort);
    };
    await waitForActions('-at');
    const timeHeader = page.getByTestId('audit-table').getByRole('columnheader', { name: 'Time', exact: true });
    assert.equal(await timeHeader.getAttribute('aria-sort'), 'descending');
    await timeHeader.click();
    await waitForActions('at');
    assert.match(page.url(), /[?&]sort=at(&|$)/);
    assert.equal(await timeHeader.getAttribute('aria-sort'), 'ascending');
    assert.deepEqual(await violations(page), [], 'axe on the audit log oldest first');
    await page.reload();
    await waitForActions('at');
  });

  it('a success message is a toast over the page: the table does not move; dismissible; hides by itself', async () => {
    await openConsole(page, instance, '/users?search=kit.example');
    await waitForOrder(
      page,
      ['adam@kit.example', 'bob@kit.example', 'dora@kit.example', 'ewa@kit.example'],
      'the list',
    );
    const table = page.getByTestId('users-table');
    const before = await table.boundingBox();
    // Restore the removed user: the list says so in a toast.
    await page
      .getByTestId('users-table')
      .getByRole('row')
      .filter({ hasText: 'ewa@kit.example' })
      .getByRole('checkbox')
      .check();
    await page.getByTestId('users-restore').click();
    const toast = page.getByTestId('users-notice');
    await toast.filter({ hasText: 'Users restored: 1' }).waitFor();
    const during = await table.boundingBox();
    assert.deepEqual(during, before, 'the table stays where it was');
    const region = page.locator('#usher-toasts');
    assert.equal(await region.getAttribute('aria-live'), 'polite');
    assert.equal(await region.getAttribute('role'), 'status');
    assert.equal(await page.locator('#usher-toasts [data-testid="users-notice"]').count(), 1, 'in the live region');
    assert.deepEqual(await violations(page), [], 'axe with a toast shown');
    await screenshot(page, 'b-toast');
    await page.getByTestId('users-notice-dismiss').click();
    await toast.waitFor({ state: 'detached' });

    // Another one, left alone, hides by itself after a few seconds.
    await page
      .getByTestId('users-table')
      .getByRole('row')
      .filter({ hasText: 'ewa@kit.example' })
      .getByRole('checkbox')
      .check();
    await page.getByTestId('users-send-instructions').click();
    await page.getByTestId('send-instructions-dialog').getByRole('button', { name: 'Send' }).click();
    await toast.waitFor();
    const shown = Date.now();
    await toast.waitFor({ state: 'detached', timeout: 15_000 });
    const seconds = (Date.now() - shown) / 1000;
    assert.ok(seconds > 3 && seconds < 12, `hid after ${seconds} s`);
    assert.deepEqual(await table.boundingBox(), before, 'the table has not moved at all');
  });

  it('every button of every page has the console button style (no plain rectangles)', async () => {
    const pages = [
      '/overview',
      '/users',
      `/users/${ids['bob@kit.example']}`,
      '/groups',
      `/groups/${ids.group}`,
      '/products',
      '/devices',
      '/bulk',
      '/audit',
      '/outbox',
      '/settings',
      '/profile',
    ];
    const found: string[] = [];
    for (const pathname of pages) {
      await openConsole(page, instance, pathname);
      await page.waitForLoadState('networkidle');
      const plain = await page.evaluate(() => {
        interface Element {
          className: unknown;
          textContent: string | null;
          getAttribute(name: string): string | null;
          closest(selector: string): unknown;
        }
        const { document } = globalThis as unknown as {
          document: { querySelectorAll(selector: string): Iterable<Element> };
        };
        const wrong: string[] = [];
        for (const button of document.querySelectorAll('button, [role="button"]')) {
          const raw = typeof button.className === 'string' ? button.className : '';
          // Spectrum's class names as built: `<module prefix>_spectrum-Button`.
          const classes = new Set(raw.split(/\s+/).map((name) => name.replace(/^_[A-Za-z0-9]+_/, '')));
          const styled =
            // The console's button: Spectrum's Button (accent, primary, secondary, negative).
            classes.has('spectrum-Button') ||
            // Quiet actions: icon buttons in table rows, "back" links, a toast's close button.
            (classes.has('spectrum-ActionButton') && classes.has('spectrum-ActionButton--quiet')) ||
            // Spectrum's field buttons (pickers, combo boxes, date pickers) and the parts of its
            // tables, tabs and navigation.
            classes.has('spectrum-FieldButton') ||
            button.closest('[role="grid"] [role="columnheader"], [role="tablist"], .usher-nav') !== null;
          if (!styled) {
            const name =
              button.getAttribute('data-testid') ?? button.getAttribute('aria-label') ?? button.textContent ?? '';
            wrong.push(`"${name.trim().slice(0, 40)}" (${raw.slice(0, 120) || 'no class'})`);
          }
        }
        return wrong;
      });
      found.push(...plain.map((entry) => `${pathname}: ${entry}`));
    }
    assert.deepEqual(found, [], 'buttons without the console style');
    await openConsole(page, instance, '/bulk');
    await screenshot(page, 'c-bulk-buttons');
  });
});
