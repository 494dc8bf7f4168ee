/**
 * The console's search pickers in a real browser: an answer to an earlier search that arrives late
 * never replaces the answer to the search typed after it. Screenshots go to test-results/pickers-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { closeBrowser, openBrowser, openConsole, RESULTS, screenshot as save } from '../support/browser.ts';
import type { Client } from '../support/client.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'pickers', name);

describe('search pickers (browser)', () => {
  let instance: TestInstance;
  let client: Client;
  let browser: Browser;
  let page: Page;
  let groupId = '';
  const problems: string[] = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance();
    client = await instance.signIn();
    const added = await client.post('/api/v1/users', {
      users: [
        { email: 'alan@example.org', firstName: 'Alan', lastName: 'Archer' },
        { email: 'alice@example.org', firstName: 'Alice', lastName: 'Adams' },
      ],
    });
    assert.equal(added.status, 201, added.text);
    const group = await client.post<{ id: string }>('/api/v1/groups', { name: 'Pickers' });
    assert.equal(group.status, 201, group.text);
    groupId = group.body.id;
    ({ browser, page } = await openBrowser(instance, problems, { consoleErrors: true }));
  });

  after(() => closeBrowser(browser, instance));

  it('shows the answer to the latest search when an earlier one answers late', async () => {
    await openConsole(page, instance, `/groups/${groupId}`);
    // The search for "Al" (Alan and Alice) answers 2.5 s late; the one for "Ali" (Alice) at once.
    let slowSeen = false;
    let slowAnswered = false;
    await page.route(
      (url) => url.pathname === '/api/v1/users' && url.searchParams.get('search') === 'Al',
      async (route) => {
        slowSeen = true;
        await new Promise((resolve) => setTimeout(resolve, 2500));
        try {
          await route.continue();
        } catch {
          // The page gave up on this search (aborted): nothing to answer.
        }
        slowAnswered = true;
      },
    );
    await page.getByTestId('group-members-add').click();
    const search = page.getByTestId('add-group-members-search');
    await search.fill('Al');
    await page.waitForRequest((request) => new URL(request.url()).searchParams.get('search') === 'Al');
    await search.fill('Ali');
    const alice = page.getByRole('option', { name: 'Alice Adams · alice@example.org', exact: true });
    await alice.waitFor();
    assert.ok(slowSeen, 'the earlier search was sent');
    while (!slowAnswered) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Give the late answer every chance to show.
    await page.waitForTimeout(500);
    await screenshot(page, 'a1-latest-search');
    assert.equal(await page.getByRole('option', { name: 'Alan Archer · alan@example.org', exact: true }).count(), 0);
    assert.equal(await alice.count(), 1);
    await page.unrouteAll({ behavior: 'ignoreErrors' });
  });

  it('ran without script errors or console errors', () => {
    assert.deepEqual(problems, []);
  });
});
