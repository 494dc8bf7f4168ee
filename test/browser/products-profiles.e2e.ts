/**
 * Deleting a product profile from the Products page in a real browser against a real Usher: the
 * row's Delete asks first (Cancel keeps the profile), then deletes it. Screenshots go to
 * test-results/products-profiles-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { closeBrowser, openBrowser, openConsole, RESULTS, screenshot as save } from '../support/browser.ts';
import { createProductWithProfiles } from '../support/catalog.ts';
import type { Client } from '../support/client.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'products-profiles', name);

describe('product profiles: delete with confirmation (browser)', () => {
  let instance: TestInstance;
  let admin: Client;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  let productId = '';

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance();
    admin = await instance.signIn();
    ({ productId } = await createProductWithProfiles(admin, 'Photoshop', 5, ['Photoshop Basic', 'Photoshop Pro']));
    ({ browser, page } = await openBrowser(instance, problems));
  });

  after(() => closeBrowser(browser, instance));

  const profileNames = async () =>
    (await admin.get<{ items: { name: string }[] }>(`/api/v1/product-profiles?productId=${productId}`)).body.items
      .map((profile) => profile.name)
      .sort();

  it('asks before deleting a profile; Cancel keeps it, Delete removes it from the list', async () => {
    await openConsole(page, instance, '/products');
    await page.getByTestId('products-table').getByRole('row').filter({ hasText: 'Photoshop' }).click();
    const rows = page.getByTestId('profiles-table').getByRole('row');
    const basic = rows.filter({ hasText: 'Photoshop Basic' });
    await basic.waitFor();

    await page.getByRole('button', { name: 'Delete Photoshop Basic' }).click();
    const dialog = page.getByTestId('profile-delete-dialog');
    await dialog.waitFor();
    await screenshot(page, 'confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.deepEqual(await profileNames(), ['Photoshop Basic', 'Photoshop Pro'], 'Cancel keeps the profile');

    await page.getByRole('button', { name: 'Delete Photoshop Basic' }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await basic.waitFor({ state: 'detached' });
    await rows.filter({ hasText: 'Photoshop Pro' }).waitFor();
    assert.deepEqual(await profileNames(), ['Photoshop Pro']);
    assert.deepEqual(problems, []);
  });

  it('tables fit their rows, and a long one stops at its Spectrum-size cap and scrolls', async () => {
    const names = Array.from({ length: 14 }, (_, index) => `Illustrator ${String(index + 1).padStart(2, '0')}`);
    await createProductWithProfiles(admin, 'Illustrator', 5, names);
    await openConsole(page, instance, '/products');
    await page.getByTestId('products-table').getByRole('row').filter({ hasText: 'Illustrator' }).click();
    const profiles = page.getByTestId('profiles-table');
    await profiles.getByRole('row').filter({ hasText: 'Illustrator 01' }).waitFor();
    // The fitted height is set inline; an invalid CSS value (a bare `size-6000` inside min()) would be dropped.
    // The fitted height is set inline: an invalid CSS value (a bare `size-6000` inside min()) would be dropped.
    const measure = (target: unknown) => {
      type Box = {
        style: { height: string };
        getBoundingClientRect(): { height: number };
        parentElement: { append(child: Box): void } | null;
        remove(): void;
        ownerDocument: { createElement(tag: string): Box };
      };
      const element = target as Box;
      const probe = element.ownerDocument.createElement('div');
      probe.style.height = 'var(--spectrum-global-dimension-size-6000)';
      element.parentElement?.append(probe);
      const cap = probe.getBoundingClientRect().height;
      probe.remove();
      return { cap, style: element.style.height, height: element.getBoundingClientRect().height };
    };
    const profilesBox = await profiles.evaluate(measure);
    const productsBox = await page.getByTestId('products-table').evaluate(measure);
    assert.ok(profilesBox.cap > 0, 'the Spectrum size resolves');
    assert.match(profilesBox.style, /^min\(/, 'the capped height is valid CSS');
    assert.equal(Math.round(profilesBox.height), Math.round(profilesBox.cap), '14 profiles stop at the size-6000 cap');
    // Two products fit in the three rows a short table keeps room for: header 34 + 3 × 49 + 8.
    assert.notEqual(productsBox.style, '', 'the fitted height is valid CSS');
    assert.equal(Math.round(productsBox.height), 34 + 3 * 49 + 8, 'the products table fits its rows');
    assert.deepEqual(problems, []);
  });
});
