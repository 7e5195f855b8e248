// Headless Firefox ESR for the specs, driven by selenium-webdriver through
// geckodriver (Playwright cannot drive a stock Firefox: TOOLCHAIN.md), behind
// the few members of Playwright's Browser / BrowserContext / Page that the
// shared helpers use. So fixtures.mjs's participant() opens a Firefox
// participant exactly as it opens a Chromium one, and rtcroom/playwright's
// expectReceivingVideo checks Firefox's received video with the same probe.
//
// One context = one Firefox session (a process of its own) with one page.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Builder } from 'selenium-webdriver';
import firefox from 'selenium-webdriver/firefox.js';

const repo = new URL('../../', import.meta.url);

/** The prefs the wasm tier's Firefox gets too: fake media, loopback ICE, granted camera/mic. */
export const FIREFOX_PREFS = Object.freeze(
  JSON.parse(readFileSync(new URL('webdriver.firefox.json', repo), 'utf8'))['moz:firefoxOptions'].prefs,
);

export const FIREFOX_BINARY = '/usr/bin/firefox-esr';

/** geckodriver from PATH (scripts/bootstrap installs it with cargo). */
function geckodriverPath() {
  if (process.env.GECKODRIVER) return process.env.GECKODRIVER;
  try {
    return execFileSync('sh', ['-c', 'command -v geckodriver'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('geckodriver not found on PATH: run scripts/bootstrap');
  }
}

/**
 * A page of a Firefox session with the shape of a Playwright Page for what
 * fixtures.mjs and js/playwright.js call: goto, evaluate, waitForFunction,
 * url, on (a no-op: the page's console is not forwarded).
 */
class FirefoxPage {
  #driver;
  #initScripts;
  #url = 'about:blank';

  constructor(driver, initScripts) {
    this.#driver = driver;
    this.#initScripts = initScripts;
  }

  get driver() { return this.#driver; }

  on() {}

  url() { return this.#url; }

  /**
   * Loads `url` with the context's init scripts run first, as Playwright's
   * addInitScript does: WebDriver classic has no such hook, so the tab
   * opens a blank page of the same origin, runs them there, then replaces
   * the document with the page (document.open keeps the window and its
   * globals) under the page's own URL.
   */
  async goto(url) {
    const target = new URL(url);
    await this.#driver.get(new URL('/firefox/blank.html', target.origin).href);
    // As <script> elements: scripts WebDriver runs live in a sandbox
    // (Marionette) whose globalThis is not the page's.
    for (const { fn, arg } of this.#initScripts) {
      await this.#driver.executeScript((source) => {
        const script = document.createElement('script');
        script.textContent = source;
        document.documentElement.append(script);
        script.remove();
      }, `(${fn})(${JSON.stringify(arg ?? null)});`);
    }
    const error = await this.#driver.executeScript(async (href) => {
      const response = await fetch(href);
      if (!response.ok) return `GET ${href}: ${response.status}`;
      const html = await response.text();
      history.replaceState(null, '', href);
      document.open();
      document.write(html);
      document.close();
      return null;
    }, target.href);
    if (error) throw new Error(error);
    this.#url = target.href;
  }

  /** Runs `fn(arg)` in the page (awaiting a returned promise), like page.evaluate. */
  async evaluate(fn, arg) {
    if (typeof fn !== 'function') throw new TypeError('FirefoxPage.evaluate takes a function');
    return this.#driver.executeScript(`return (${fn}).apply(null, arguments)`, arg);
  }

  /** Polls `fn(arg)` until it returns a truthy value; resolves with a handle on it. */
  async waitForFunction(fn, arg, { timeout = 30_000, polling = 100 } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const value = await this.evaluate(fn, arg);
      if (value) return { jsonValue: async () => value };
      if (Date.now() > deadline) throw new Error(`waitForFunction: timed out after ${timeout} ms`);
      await new Promise((r) => setTimeout(r, typeof polling === 'number' ? polling : 100));
    }
  }
}

/** A Firefox session as a BrowserContext with one page. */
class FirefoxContext {
  #initScripts = [];
  #driver = null;

  async addInitScript(fn, arg) {
    this.#initScripts.push({ fn, arg });
  }

  async newPage() {
    if (this.#driver) throw new Error('a Firefox context has one page');
    const options = new firefox.Options().setBinary(FIREFOX_BINARY).addArguments('-headless');
    for (const [k, v] of Object.entries(FIREFOX_PREFS)) options.setPreference(k, v);
    // selenium-manager cannot download here: the driver path is given.
    const service = new firefox.ServiceBuilder(geckodriverPath());
    this.#driver = await new Builder().forBrowser('firefox').setFirefoxOptions(options)
      .setFirefoxService(service).build();
    return new FirefoxPage(this.#driver, this.#initScripts);
  }

  /** Ends the session: geckodriver stops the Firefox it started, then itself. */
  async close() {
    const driver = this.#driver;
    this.#driver = null;
    if (driver) await driver.quit();
  }
}

/** Headless Firefox ESR as a Playwright-like Browser: newContext() per participant. */
export const firefoxBrowser = Object.freeze({
  browserType: () => ({ name: () => 'firefox' }),
  /** Options are Chromium context options (permissions, viewport): Firefox's prefs grant camera and microphone. */
  async newContext() { return new FirefoxContext(); },
});
