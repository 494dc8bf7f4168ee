/**
 * The Bulk operations pages in a real browser against a real Usher: a file with a header the
 * server does not know is refused in the upload dialog; an add-users file uploaded as a dry run
 * (the default) shows its progress until it completes, its rows say what they would do and change
 * nothing, a failing row shows its message; "Run for real" applies it and the users appear; a
 * group-members file goes to the group chosen in the dialog; the results CSV carries Status and
 * Message; the Users page exports every user; a result is removed, then all are cleared.
 * Screenshots go to test-results/bulk-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  choose,
  closeBrowser,
  newPage,
  openBrowser,
  openConsole,
  pick,
  RESULTS,
  screenshot as save,
  waitForText,
} from '../support/browser.ts';
import type { Client } from '../support/client.ts';
import { ADMIN_PASSWORD, createAdmin, startTestInstance, type TestInstance } from '../support/instance.ts';

const PRODUCT = 'Acrobat Pro';
const PROFILE = 'Acrobat Standard';
const FILE_NAME = 'new-users.csv';
const GOOD = ['anna@example.org', 'bartek@example.org', 'celina@example.org'];
const BAD = 'dorota@example.org';
const GROUP = 'Designers';

/** An add-users file as Excel saves it: semicolons, a BOM and CRLF; the last row names a profile that does not exist. */
const ADD_USERS_CSV = `\uFEFF${[
  'Identity Type;Email;First Name;Last Name;Country Code;Product Configurations',
  `Personal ID;${GOOD[0]};Anna;Nowak;PL;${PROFILE}`,
  `Personal ID;${GOOD[1]};Bartek;Kowalski;PL;${PROFILE}`,
  `;${GOOD[2]};Celina;Wiśniewska;PL;`,
  `Personal ID;${BAD};Dorota;Zielińska;PL;No Such Profile`,
].join('\r\n')}\r\n`;

const screenshot = (page: Page, name: string) => save(page, 'bulk', name);

/** The body rows of a table that show this text. */
function rowOf(page: Page, testId: string, text: string) {
  return page.getByTestId(testId).getByRole('row').filter({ hasText: text });
}

interface Operation {
  id: string;
  status: string;
  dryRun: boolean;
  fileName: string;
  succeededRows: number;
  failedRows: number;
}

describe('bulk operations (browser)', () => {
  let instance: TestInstance;
  let browser: Browser;
  let page: Page;
  let client: Client;
  let dryRunId = '';
  let realId = '';
  /** Script errors and console errors seen by the page. */
  const problems: string[] = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance();
    client = await instance.signIn();
    const product = await client.post<{ id: string }>('/api/v1/products', { name: PRODUCT, licenseQuantity: 10 });
    assert.equal(product.status, 201, product.text);
    const profile = await client.post('/api/v1/product-profiles', {
      productId: product.body.id,
      name: PROFILE,
      services: ['PDF editing'],
    });
    assert.equal(profile.status, 201, profile.text);

    // Refused API calls (the refused file) are logged by the browser itself.
    ({ browser, page } = await openBrowser(instance, problems, { consoleErrors: true }));
  });

  after(() => closeBrowser(browser, instance));

  /** Opens the upload dialog and chooses a file (the type stays "Add users", dry run stays on). */
  async function chooseFile(name: string, content: string): Promise<void> {
    await page.getByTestId('bulk-upload').click();
    const dialog = page.getByTestId('bulk-upload-dialog');
    await dialog.waitFor();
    await dialog.locator('input[type="file"]').setInputFiles({
      name,
      mimeType: 'text/csv',
      buffer: Buffer.from(content, 'utf8'),
    });
    await dialog.getByTestId('bulk-upload-file-name').filter({ hasText: name }).waitFor();
  }

  it('refuses a file with an unknown column header, saying which', async () => {
    await openConsole(page, instance, '/bulk');
    await waitForText(page.getByTestId('page-title'), 'Bulk operations');
    await chooseFile('wrong.csv', 'Email,Shoe Size\nx@example.org,44\n');
    await page.getByTestId('bulk-upload-submit').click();
    const error = page.getByTestId('bulk-upload-error');
    await error.waitFor();
    const text = (await error.textContent()) ?? '';
    assert.match(text, /column header that Usher does not know/, text);
    assert.match(text, /Shoe Size/, text);
    await screenshot(page, 'a1-unknown-header');
    await page.getByTestId('bulk-upload-dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('bulk-upload-dialog').waitFor({ state: 'detached' });
    const list = await client.get<{ items: Operation[] }>('/api/v1/bulk-operations');
    assert.equal(list.body.items.length, 0, 'a refused file makes no operation');
  });

  it('uploads an add-users file as a dry run and shows its progress until it completes', async () => {
    await openConsole(page, instance, '/bulk');
    await chooseFile(FILE_NAME, ADD_USERS_CSV);
    const dialog = page.getByTestId('bulk-upload-dialog');
    assert.equal(
      await dialog.getByRole('checkbox', { name: 'Dry run (check only, change nothing)' }).isChecked(),
      true,
    );
    await dialog
      .getByText('Adds new users with their product profiles and user groups.', { exact: false })
      .filter({ visible: true })
      .waitFor();
    assert.equal(
      await dialog.getByTestId('bulk-template-standard').getAttribute('href'),
      '/api/v1/csv-templates/add-users?variant=standard',
    );
    await screenshot(page, 'b1-upload-dialog');
    await page.getByTestId('bulk-upload-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('bulk-notice').filter({ hasText: 'The file was uploaded.' }).waitFor();

    const row = rowOf(page, 'bulk-table', FILE_NAME);
    await row.waitFor();
    await row.getByTestId('bulk-dry-run').waitFor();
    await waitForText(row.locator('[data-column="operation"]'), 'Add users');
    await waitForText(row.locator('[data-column="initiatedBy"]'), instance.admin.email);
    // Polled every second until the worker is done: 3 rows would succeed, 1 fails.
    await row.locator('[data-status="completed_with_errors"]').waitFor({ timeout: 60_000 });
    await waitForText(row.getByTestId('bulk-succeeded'), '3');
    await waitForText(row.getByTestId('bulk-failed'), '1');
    assert.equal(await row.getByTestId('bulk-progress').count(), 0, 'no progress bar once finished');
    await screenshot(page, 'b2-dry-run-completed');

    const list = await client.get<{ items: Operation[] }>('/api/v1/bulk-operations');
    assert.equal(list.status, 200, list.text);
    dryRunId = list.body.items[0]?.id ?? '';
    assert.ok(dryRunId);
    const users = await client.get<{ items: unknown[] }>('/api/v1/users?search=example.org');
    assert.equal(users.status, 200, users.text);
    assert.equal(users.body.items.length, 0, 'a dry run adds nobody');
  });

  it("opens the dry run's results: rows say what they would do, the failing row says why", async () => {
    await openConsole(page, instance, '/bulk');
    await rowOf(page, 'bulk-table', FILE_NAME).locator('[data-column="fileName"]').click();
    await page.waitForURL(`**/bulk/${dryRunId}`);
    await waitForText(page.getByTestId('page-title'), 'Add users');
    await page.getByTestId('bulk-status').filter({ hasText: 'Completed with errors' }).waitFor();
    await page.getByTestId('bulk-dry-run').waitFor();
    assert.match((await page.getByTestId('bulk-counts').textContent()) ?? '', /Rows in the file4.*Succeeded3.*Failed1/);

    for (const email of GOOD) {
      const line = rowOf(page, 'bulk-rows-table', email);
      await line.waitFor();
      assert.match((await line.locator('[data-column="message"]').textContent()) ?? '', /would add/i);
      await waitForText(line.locator('[data-column="status"]'), 'Succeeded');
    }
    const anna =
      (await rowOf(page, 'bulk-rows-table', GOOD[0]!).locator('[data-column="message"]').textContent()) ?? '';
    assert.match(anna, new RegExp(`Would assign ${PROFILE}`), anna);
    await screenshot(page, 'c1-dry-run-rows');

    // Only the failing row, with its message.
    await pick(page, 'bulk-rows-filter', 'Failed');
    await rowOf(page, 'bulk-rows-table', GOOD[0]!).waitFor({ state: 'detached' });
    const failing = rowOf(page, 'bulk-rows-table', BAD);
    await failing.waitFor();
    await waitForText(failing.locator('[data-column="rowNumber"]'), '4');
    await waitForText(failing.locator('[data-column="status"]'), 'Failed');
    const message = (await failing.locator('[data-column="message"]').textContent()) ?? '';
    assert.match(message, /No Such Profile/, message);
    await screenshot(page, 'c2-failed-row');
  });

  it('runs the dry run for real; the users are added', async () => {
    await openConsole(page, instance, `/bulk/${dryRunId}`);
    await page.getByTestId('bulk-run').click();
    const confirm = page.getByRole('alertdialog');
    assert.match((await confirm.textContent()) ?? '', new RegExp(`The rows of ${FILE_NAME} will be applied`));
    await confirm.getByRole('button', { name: 'Run for real', exact: true }).click();
    await page.waitForURL((url) => /\/bulk\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(dryRunId));
    realId = page.url().split('/').pop() ?? '';
    // The address changes before the page shows the new operation (navigations render as
    // transitions): wait until the dry run's page is gone before reading the status.
    await page.getByTestId('bulk-dry-run').waitFor({ state: 'detached' });
    await page.getByTestId('bulk-status').filter({ hasText: 'Completed with errors' }).waitFor({ timeout: 60_000 });
    assert.equal(await page.getByTestId('bulk-run').count(), 0, 'a real run cannot be run again');
    for (const email of GOOD) {
      // The rows table is fetched again when the operation finishes.
      await rowOf(page, 'bulk-rows-table', email)
        .locator('[data-column="message"]', { hasText: /^Added / })
        .waitFor();
    }
    await screenshot(page, 'd1-real-run');

    await page.getByTestId('nav-users').click();
    for (const email of GOOD) {
      await page.getByTestId('users-table').getByRole('row').filter({ hasText: email }).waitFor();
    }
    assert.equal(await page.getByTestId('users-table').getByRole('row').filter({ hasText: BAD }).count(), 0);
    await screenshot(page, 'd2-users-added');
  });

  it('adds users to a group chosen in the dialog, applied at once without a dry run', async () => {
    const group = await client.post<{ id: string }>('/api/v1/groups', { name: GROUP });
    assert.equal(group.status, 201, group.text);
    await openConsole(page, instance, '/bulk');
    await page.getByTestId('bulk-upload').click();
    await pick(page, 'bulk-upload-type', 'Add users to a group');
    const dialog = page.getByTestId('bulk-upload-dialog');
    await dialog
      .getByText('Adds the users listed in the file to the user group you choose.')
      .filter({ visible: true })
      .waitFor();
    await dialog.locator('input[type="file"]').setInputFiles({
      name: 'designers.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`Email\n${GOOD[0]}\n${GOOD[1]}\n`, 'utf8'),
    });
    // Without a group the dialog asks for one before sending anything.
    await dialog.getByRole('checkbox', { name: 'Dry run (check only, change nothing)' }).click();
    await page.getByTestId('bulk-upload-submit').click();
    await dialog.getByText('Choose a user group.').waitFor();
    await choose(page, 'bulk-upload-group', 'Desi', GROUP);
    await screenshot(page, 'd3-group-upload');
    await page.getByTestId('bulk-upload-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await page
      .getByTestId('bulk-notice')
      .filter({ hasText: 'The file was uploaded and is being processed.' })
      .waitFor();
    const row = rowOf(page, 'bulk-table', 'designers.csv');
    await waitForText(row.locator('[data-column="operation"]'), `Add users to a group (group ${GROUP})`);
    assert.equal(await row.getByTestId('bulk-dry-run').count(), 0);
    await row.locator('[data-status="completed"]').waitFor({ timeout: 60_000 });
    await waitForText(row.getByTestId('bulk-succeeded'), '2');
    const members = await client.get<{ membersCount: number }>(`/api/v1/groups/${group.body.id}`);
    assert.equal(members.body.membersCount, 2, members.text);
  });

  it('downloads the results as CSV: the original rows plus Status and Message', async () => {
    await openConsole(page, instance, `/bulk/${realId}`);
    const link = page.getByTestId('bulk-results-csv');
    assert.equal(await link.getAttribute('href'), `/api/v1/bulk-operations/${realId}/results.csv`);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.match(download.suggestedFilename(), /\.csv$/);
    const csv = fs.readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
    const lines = csv.trim().split(/\r?\n/);
    const header = lines[0] ?? '';
    assert.match(header, /Email/, header);
    assert.match(header, /Status/, header);
    assert.match(header, /Message/, header);
    assert.equal(lines.length, 5, csv);
    assert.ok(csv.includes(BAD) && csv.includes('No Such Profile'), csv);
  });

  it('exports every user as CSV from the Users page, in the user CSV format', async () => {
    await openConsole(page, instance, '/users');
    const link = page.getByTestId('users-export');
    assert.equal(await link.getAttribute('href'), '/api/v1/users.csv');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const csv = fs.readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
    assert.ok(csv.startsWith('Identity Type,Username,Domain,Email'), csv);
    for (const email of GOOD) {
      assert.ok(csv.includes(email), csv);
    }
  });

  it('removes a result after confirmation', async () => {
    await openConsole(page, instance, '/bulk');
    await waitForText(page.getByTestId('bulk-shown'), 'Operations shown: 3');
    await openConsole(page, instance, `/bulk/${dryRunId}`);
    await page.getByTestId('bulk-remove-one').click();
    const confirm = page.getByRole('alertdialog');
    assert.match((await confirm.textContent()) ?? '', /Remove this result\?/);
    await screenshot(page, 'e1-remove');
    await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.waitForURL('**/bulk');
    await page
      .getByTestId('bulk-notice')
      .filter({ hasText: `The result of ${FILE_NAME} was removed.` })
      .waitFor();
    await waitForText(page.getByTestId('bulk-shown'), 'Operations shown: 2');
    const gone = await client.get(`/api/v1/bulk-operations/${dryRunId}`);
    assert.equal(gone.status, 404, gone.text);
    await screenshot(page, 'e2-removed');
  });

  it('clears all finished results after confirmation', async () => {
    await openConsole(page, instance, '/bulk');
    await waitForText(page.getByTestId('bulk-shown'), 'Operations shown: 2');
    await page.getByTestId('bulk-clear').click();
    const confirm = page.getByRole('alertdialog');
    assert.match((await confirm.textContent()) ?? '', /Clear all results\?/);
    await confirm.getByRole('button', { name: 'Clear all', exact: true }).click();
    await page
      .getByTestId('bulk-notice')
      .filter({ hasText: 'The results of all finished operations were removed.' })
      .waitFor();
    await waitForText(page.getByTestId('bulk-shown'), 'Operations shown: 0');
    await page.getByTestId('bulk-table').getByText('No bulk operations yet').waitFor();
    await screenshot(page, 'f1-cleared');
  });

  it("offers a group admin only their group's member uploads", async () => {
    const group = await client.post<{ id: string }>('/api/v1/groups', { name: 'Field team' });
    assert.equal(group.status, 201, group.text);
    const { email } = await createAdmin(instance, instance.organizationId, 'group-admin', { groupId: group.body.id });
    const { context, page: own } = await newPage(browser, instance.baseUrl);
    try {
      await own.goto('/bulk');
      await own.getByTestId('login-email').fill(email);
      await own.getByTestId('login-password').fill(ADMIN_PASSWORD);
      await own.getByTestId('login-submit').click();
      await own.waitForURL('**/overview');
      await own.getByTestId('nav-bulk').click();
      await own.getByTestId('bulk-upload').click();
      await own.getByTestId('bulk-upload-dialog').waitFor();
      await own.getByTestId('bulk-upload-type').click();
      const listbox = own.getByRole('listbox');
      for (const type of ['Add users to a group', 'Remove users from a group']) {
        await listbox.getByRole('option', { name: type, exact: true }).waitFor();
      }
      assert.equal(await listbox.getByRole('option').count(), 2);
      await screenshot(own, 'g1-group-admin-types');
    } finally {
      await context.close();
    }
  });

  it('ran without script errors or console errors', () => {
    assert.deepEqual(problems, []);
  });
});
