/**
 * Helpers of the browser tests (test/browser/*.e2e.ts): headless Chromium, a page on a test
 * instance, screenshots into test-results/, and React Spectrum pickers.
 */
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import type { TestInstance } from './instance.ts';

export const RESULTS = path.resolve(import.meta.dirname, '../../test-results');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export async function newPage(browser: Browser, baseURL: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL,
    locale: 'en-US',
    timezoneId: 'Europe/Warsaw',
    viewport: { width: 1400, height: 1000 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

/**
 * Launches Chromium with one page on the instance (what every browser test's `before` does), and
 * notes in `problems` each script error of the page and, with `consoleErrors`, each error it logs
 * but refused API calls (the browser logs those itself: "Failed to load resource").
 * @param problems the test's list, which it asserts empty
 * @returns the browser and the page
 */
export async function openBrowser(
  instance: TestInstance,
  problems: string[],
  options: { consoleErrors?: boolean } = {},
): Promise<{ browser: Browser; page: Page }> {
  const browser = await launch();
  const { page } = await newPage(browser, instance.baseUrl);
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  if (options.consoleErrors) {
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        problems.push(`console: ${message.text()}`);
      }
    });
  }
  return { browser, page };
}

/** Closes what a browser test's `before` opened (either may be missing when it failed). */
export async function closeBrowser(browser: Browser | undefined, instance: TestInstance | undefined): Promise<void> {
  await browser?.close();
  await instance?.close();
}

/** Saves a full-page screenshot as test-results/<prefix>-<name>.png. */
export async function screenshot(page: Page, prefix: string, name: string): Promise<void> {
  await page.screenshot({ path: path.join(RESULTS, `${prefix}-${name}.png`), fullPage: true, animations: 'disabled' });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Waits until the locator's text is exactly `text`. */
export async function waitForText(locator: Locator, text: string): Promise<void> {
  await locator.filter({ hasText: new RegExp(`^${escapeRegExp(text)}$`) }).waitFor();
}

/** Chooses an option of a React Spectrum Picker. */
export async function pick(page: Page, testId: string, option: string): Promise<void> {
  // A click that lands while the popover is still opening can be lost (seen under CI load): retry,
  // then check that the picker really shows the option.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (!(await page.getByRole('listbox').isVisible())) {
      await page.getByTestId(testId).click();
    }
    await page.getByRole('option', { name: option, exact: true }).click();
    try {
      await page.getByRole('listbox').waitFor({ state: 'detached', timeout: 3000 });
      break;
    } catch {
      // still open: try again
    }
  }
  await page.getByTestId(testId).filter({ hasText: option }).waitFor();
}

/** Types into a React Spectrum ComboBox and chooses one of the options it offers. */
export async function choose(page: Page, testId: string, typed: string, option: string): Promise<void> {
  const input = page.getByTestId(testId);
  await input.fill(typed);
  await page.getByRole('option', { name: option, exact: true }).click();
  await page.getByRole('listbox').waitFor({ state: 'detached' });
}

/** Types into a search picker and waits until every suggestion is an answer to that search. */
export async function searchIn(page: Page, testId: string, typed: string): Promise<void> {
  await page.getByTestId(testId).fill(typed);
  const options = page.getByRole('listbox').getByRole('option');
  for (let attempt = 0; attempt < 150; attempt++) {
    const texts = await options.allTextContents();
    if (texts.length > 0 && texts.every((text) => text.toLowerCase().includes(typed.toLowerCase()))) {
      return;
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`the suggestions for "${typed}" did not come`);
}

/**
 * Chooses one item of a single-choice search picker (the field keeps the choice): searched first,
 * so the option clicked is one of the answers to the search, not of an earlier list.
 */
export async function pickSearched(page: Page, testId: string, typed: string, option: string): Promise<void> {
  await searchIn(page, testId, typed);
  await page.getByRole('option', { name: option, exact: true }).click();
  await page.getByRole('listbox').waitFor({ state: 'detached' });
}

export async function signIn(page: Page, instance: TestInstance): Promise<void> {
  await page.getByTestId('login-email').fill(instance.admin.email);
  await page.getByTestId('login-password').fill(instance.admin.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL('**/overview');
}

/** Opens a console page afresh (no dialog left over from a failed test), signing in when needed. */
export async function openConsole(page: Page, instance: TestInstance, pathname = '/users'): Promise<void> {
  await page.goto(pathname);
  const shell = page.getByTestId('sign-out');
  const signInForm = page.getByTestId('login-email');
  await shell.or(signInForm).first().waitFor();
  if (await signInForm.isVisible()) {
    await signIn(page, instance);
    if (pathname !== '/overview') {
      await page.goto(pathname);
    }
  }
  await shell.waitFor();
}
