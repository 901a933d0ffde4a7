/**
 * Browser-test harness (the console's and the invitee page's tests): Debian's Chromium driven
 * by playwright-core (no browser download), helper processes (SMTP sink, OIDC provider) on
 * loopback, and a console-error guard.
 *
 * Chromium: $CHROMIUM_PATH, else /usr/bin/chromium (`.ci/run` installs the package).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Screenshots of every page go here (gitignored), in a folder per surface. */
export const SCREENSHOTS = join(ROOT, 'test-results');

export function chromiumPath(): string {
  const path = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `Chromium is not installed at ${path}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH.`,
    );
  }
  return path;
}

export function assertConsoleBuilt(): void {
  if (!existsSync(join(ROOT, 'dist', 'console', 'index.html'))) {
    throw new Error('The console is not built: run `npm run build` (npm test does) first.');
  }
}

/** `args`: more Chromium switches (e.g. `--host-resolver-rules` to point a name at loopback). */
export async function launchBrowser(args: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', ...args],
  });
}

/**
 * Collects the page's console errors and uncaught exceptions. A test asserts none happened;
 * a refusal the test expects (e.g. a 401 it provokes) is allowed explicitly, one pattern at a time.
 */
export class ConsoleGuard {
  readonly errors: string[] = [];
  private allowed: RegExp[] = [];

  constructor(page: Page) {
    page.on('console', (msg) => {
      if (msg.type() === 'error') this.record(`console: ${msg.text()}`);
    });
    page.on('pageerror', (err) => this.record(`uncaught: ${err.message}`));
  }

  /** Lets the next console errors matching `pattern` pass (until `strict()`). */
  allow(pattern: RegExp): void {
    this.allowed.push(pattern);
  }

  strict(): void {
    this.allowed = [];
  }

  take(): string[] {
    return this.errors.splice(0);
  }

  private record(text: string) {
    if (!this.allowed.some((p) => p.test(text))) this.errors.push(text);
  }
}

export interface Helper {
  info: Record<string, unknown>;
  stop(): Promise<void>;
}

/** Starts one of test/support's helper scripts and reads the JSON line it prints. */
export async function startHelper(script: string, args: string[] = []): Promise<Helper> {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(ROOT, 'test', 'support', script), ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start`)), 20_000);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as Record<string, unknown>);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return {
    info,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface CaughtMail {
  to: string[];
  data: string;
}

/** The messages an SMTP sink wrote to its file so far. */
export function caughtMail(file: string): CaughtMail[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CaughtMail);
}

/** Waits until `check` returns a value (polling), or fails after `ms`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  ms = 15_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A whole-page screenshot, or with `viewport` just what the window shows, under
 * test-results/<surface>/.
 */
export async function screenshot(
  page: Page,
  name: string,
  options: { viewport?: boolean; surface?: 'console' | 'invitee' } = {},
): Promise<void> {
  const dir = join(SCREENSHOTS, options.surface ?? 'console');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: !options.viewport });
}

/**
 * Signs the console at `endpoint` in with a key, signing out first when the browser holds a
 * session. It waits until the page knows which it is (the console asks the server on load), so
 * a session still being looked up is never taken for none.
 */
export async function signInConsole(
  page: Page,
  endpoint: string,
  accessKeyId: string,
  secretAccessKey: string,
): Promise<void> {
  await page.goto(`${endpoint}/console/`);
  const out = page.getByRole('button', { name: 'Sign out' });
  await page.getByRole('button', { name: /^Sign (in|out)$/ }).waitFor();
  if (await out.isVisible()) {
    await out.click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  }
  await page.getByLabel('Access key ID').fill(accessKeyId);
  await page.getByLabel('Secret access key').fill(secretAccessKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await out.waitFor();
}
