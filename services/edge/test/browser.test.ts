import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startStack, type RunningStack } from '@palisade/testkit';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/** Screenshots of each test's last page, for a person to look at; git ignores the folder. */
const screenshotsDirectory = fileURLToPath(
  new URL('../../../test-results/browser/', import.meta.url),
);

/** Chromium from the Debian package `chromium`, which .ci/run installs. */
const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A browser with its own fresh profile, and every console error and CSP violation it saw. */
interface TestBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly problems: string[];
  /**
   * Declares that the test itself causes a failed response, such as a rejected form: Chromium
   * logs it as a console error, which is then not counted, once per call.
   */
  readonly expectFailedResponse: (status: number, path: string) => void;
  readonly close: () => Promise<void>;
}

async function openBrowser(): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'palisade-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
  });
  const problems: string[] = [];
  await context.exposeBinding('reportCspViolation', (_source, violation: string) => {
    problems.push(`CSP violation: ${violation}`);
  });
  // Runs in every page before its own scripts; the test's tsconfig has no DOM types, hence text.
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) => {
      window.reportCspViolation(
        event.violatedDirective + ' blocked ' + event.blockedURI + ' on ' + event.documentURI,
      );
    });`,
  });
  const expected: { status: number; path: string }[] = [];
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const path = URL.canParse(message.location().url)
      ? new URL(message.location().url).pathname
      : '';
    const index = expected.findIndex(
      (failure) =>
        failure.path === path &&
        message
          .text()
          .startsWith(
            `Failed to load resource: the server responded with a status of ${failure.status} `,
          ),
    );
    if (index === -1) problems.push(`console error: ${message.text()} (${message.location().url})`);
    else expected.splice(index, 1);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return {
    context,
    page,
    problems,
    expectFailedResponse: (status, path) => expected.push({ status, path }),
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in through the edge and the development IdP's real login form. */
async function signIn(page: Page, username: string): Promise<void> {
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(username);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

describe('the single-page app through the edge, in Chromium', () => {
  let stack: RunningStack;
  let browser: TestBrowser | undefined;
  let aliceSubject = '';
  const displayName = `Alice ${Date.now().toString(36)}`;

  beforeAll(async () => {
    await mkdir(screenshotsDirectory, { recursive: true });
    stack = await startStack({ database: 'embedded', publicOrigin: 'edge' });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  afterEach(async (context) => {
    if (browser === undefined) return;
    const name = context.task.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    await browser.page.screenshot({
      path: join(screenshotsDirectory, `${name}.png`),
      fullPage: true,
    });
    const problems = [...browser.problems];
    await browser.close();
    browser = undefined;
    expect(problems).toEqual([]);
  });

  it('lets alice sign in, edit her profile, keep it after a reload and sign out', async () => {
    browser = await openBrowser();
    const { page, context } = browser;

    await page.goto(`${stack.edgeUrl}/profile`);
    await expect.poll(() => page.getByText('You are signed out.').isVisible()).toBe(true);
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Skip to content');

    await signIn(page, 'alice');
    expect(new URL(page.url()).pathname).toBe('/profile');
    aliceSubject = (await page.getByText(/^Signed in as /).textContent())!.replace(
      'Signed in as ',
      '',
    );
    expect(aliceSubject).not.toBe('');

    const nameField = page.getByLabel('Display name');
    await nameField.fill(displayName);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Profile saved.').waitFor();

    const emailField = page.getByLabel('Email');
    await emailField.fill('not-an-email');
    browser.expectFailedResponse(400, '/api/me');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('alert').waitFor();
    expect(await emailField.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await emailField.getAttribute('aria-describedby')) ?? '';
    const fieldError = await page.locator(`[id="${describedBy}"]`).textContent();
    expect(fieldError).toMatch(/email/i);

    await page.reload();
    await expect.poll(() => page.getByLabel('Display name').inputValue()).toBe(displayName);
    expect(await page.getByLabel('Email').inputValue()).toBe('');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');

    await page.goto(`${stack.edgeUrl}/profile`);
    await page.getByText('You are signed out.').waitFor();
    expect(await page.getByLabel('Display name').count()).toBe(0);
    const me = await context.request.get(`${stack.edgeUrl}/api/me`);
    expect(me.status()).toBe(401);
  }, 60_000);

  it('lets alice add a notebook entry and find it by search', async () => {
    browser = await openBrowser();
    const { page } = browser;
    const title = `Buffer calibration ${Date.now().toString(36)}`;

    await page.goto(`${stack.edgeUrl}/notebook`);
    await signIn(page, 'alice');
    await page.getByText('No entries yet.').waitFor();

    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Body (Markdown)').fill('Calibrated the pH meter with fresh buffers.');
    await page.getByLabel('Tags').fill('lab, ph');
    await page.getByRole('button', { name: 'Add entry' }).click();
    await page.getByRole('listitem').filter({ hasText: title }).waitFor();

    await page.getByRole('searchbox', { name: 'Search text' }).fill('buffers');
    await page.getByRole('button', { name: 'Search' }).click();
    const results = page.getByRole('region', { name: 'Search results' });
    await results.getByRole('listitem').filter({ hasText: title }).waitFor();
    expect(await results.locator('mark').first().textContent()).toMatch(/buffer/i);
  }, 60_000);

  it("blocks an inline script with the edge's CSP and reports the violation", async () => {
    browser = await openBrowser();
    const { page, problems } = browser;
    await page.goto(`${stack.edgeUrl}/`);
    await page.getByText('You are signed out.').waitFor();

    await page.evaluate(`(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineScriptRan = true';
      document.body.append(script);
    })()`);
    await expect
      .poll(() => problems.some((problem) => problem.startsWith('CSP violation: script-src')))
      .toBe(true);
    expect(await page.evaluate('window.inlineScriptRan === true')).toBe(false);
    expect(problems.some((problem) => problem.startsWith('console error: '))).toBe(true);
    // Both reports are this test's own doing, so the check after the test must not fail on them.
    problems.length = 0;
  }, 60_000);

  it('shows the admin the audit entry of alice’s change', async () => {
    expect(aliceSubject, 'the previous test signs alice in').not.toBe('');
    browser = await openBrowser();
    const { page } = browser;

    await page.goto(`${stack.edgeUrl}/admin/audit`);
    await signIn(page, 'admin');
    expect(new URL(page.url()).pathname).toBe('/admin/audit');

    await page.getByLabel('Action').fill('profile.update');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const row = page.getByRole('row').filter({ hasText: aliceSubject });
    await row.first().waitFor();
    expect(await row.first().textContent()).toContain('profile.update');
    const actions = await page.locator('tbody tr td:nth-child(3)').allTextContents();
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions)).toEqual(new Set(['profile.update']));
    expect(await page.getByRole('button', { name: 'Previous page' }).isDisabled()).toBe(true);
  }, 60_000);
});
