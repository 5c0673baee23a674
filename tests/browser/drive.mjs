// Opens one page in Debian's Chromium through playwright-core and prints, as one JSON line on stdout, what the
// page showed and every request it made. tests/browser/harness.py runs it once per page:
//
//   node drive.mjs '{"url": "...", "executablePath": "/usr/bin/chromium", "hostResolverRules": "...",
//                    "waitForText": ["..."], "resultSelector": "#result", "timeoutMs": 20000}'
//
// With `waitForText` it waits until the page's rendered text holds every string; with `resultSelector` until
// that element has a `data-done` attribute, and then reports its text (the page's own JSON report).
// Requests are seen twice: by Playwright (pages and their workers) and by a raw DevTools-protocol session on
// the page (Network.requestWillBeSent, and Network.loadingFailed with its blockedReason), so the test does not
// trust one observer alone.
import { chromium } from 'playwright-core';

const job = JSON.parse(process.argv[2]);
const report = {
  ok: false,
  error: null,
  text: '',
  result: null,
  requests: [],
  cdpRequests: [],
  cdpFailed: [],
  failedRequests: [],
  consoleErrors: [],
  pageErrors: [],
  timings: {},
};
const started = Date.now();
let browser;
let page;
try {
  browser = await chromium.launch({
    executablePath: job.executablePath,
    headless: true,
    timeout: job.timeoutMs,
    // Playwright already gives Chromium a fresh --user-data-dir of its own, removed on close.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--host-resolver-rules=${job.hostResolverRules}`,
    ],
  });
  report.timings.launchMs = Date.now() - started;
  report.browserVersion = browser.version();
  // No service worker may answer (or fetch) in place of the network the test watches.
  const context = await browser.newContext({ serviceWorkers: 'block' });
  context.setDefaultTimeout(job.timeoutMs);
  context.on('request', (request) =>
    report.requests.push({ url: request.url(), method: request.method(), type: request.resourceType() }),
  );
  context.on('requestfailed', (request) =>
    report.failedRequests.push({ url: request.url(), failure: request.failure()?.errorText ?? '' }),
  );
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') report.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => report.pageErrors.push(String(error)));
  const cdp = await context.newCDPSession(page);
  const urlOf = new Map();
  cdp.on('Network.requestWillBeSent', (event) => {
    urlOf.set(event.requestId, event.request.url);
    report.cdpRequests.push({ url: event.request.url, method: event.request.method, type: event.type ?? '' });
  });
  // blockedReason "csp": the page's own Content-Security-Policy stopped it inside the browser, before any socket.
  cdp.on('Network.loadingFailed', (event) =>
    report.cdpFailed.push({
      url: urlOf.get(event.requestId) ?? '',
      errorText: event.errorText,
      blockedReason: event.blockedReason ?? '',
    }),
  );
  await cdp.send('Network.enable');

  await page.goto(job.url, { waitUntil: 'load' });
  if (job.waitForText?.length) {
    await page.waitForFunction(
      (wanted) => wanted.every((piece) => document.body.innerText.includes(piece)),
      job.waitForText,
      { timeout: job.timeoutMs },
    );
  }
  if (job.resultSelector) {
    const done = await page.waitForSelector(`${job.resultSelector}[data-done]`, { state: 'attached' });
    report.result = JSON.parse(await done.textContent());
  }
  report.text = await page.evaluate(() => document.body.innerText);
  report.timings.pageMs = Date.now() - started - report.timings.launchMs;
  report.ok = true;
} catch (error) {
  report.error = String(error?.stack ?? error);
} finally {
  // On a timeout too: what the page did show is the best clue.
  if (page && !report.text) report.text = await page.evaluate(() => document.body.innerText).catch(() => '');
  if (browser) await browser.close().catch(() => {});
  report.timings.totalMs = Date.now() - started;
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
