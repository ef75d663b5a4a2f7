// What the widget tests share: the app bundled with esbuild, a page server
// on an allowed origin (localhost), and Debian's Chromium driven by
// playwright-core with every request to a host other than the test's
// refused (Dynamic's own hosts cannot be reached here; the widget falls
// back on its own), API calls recorded, console kept for failures.
import fs from 'node:fs';
import nodeHttp from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'esbuild';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));

// bundle builds widget/app.jsx (or another entry of widget/) into
// dir/bundle.js.
export async function bundle(dir, entry = 'app.jsx') {
  const out = path.join(dir, 'bundle.js');
  await build({
    entryPoints: [path.join(here, entry)], bundle: true, outfile: out, format: 'iife',
    platform: 'browser', jsx: 'automatic', minify: true, logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  });
  return out;
}

// pageServer serves the app: config.widget and config.wallet become
// window.__widgetConfig and window.__walletConfig; the injected test
// wallet (wallet.js) is added when config.wallet is set.
export async function pageServer(bundleFile, config) {
  const wallet = config.wallet ? fs.readFileSync(path.join(here, 'wallet.js'), 'utf8') : '';
  const html = `<!doctype html><meta charset="utf-8"><title>widget</title>
<script>window.__widgetConfig = ${JSON.stringify(config.widget)}; window.__walletConfig = ${JSON.stringify(config.wallet ?? null)};</script>
<script>${wallet}</script><div id="root"></div><script src="/bundle.js"></script>`;
  const srv = nodeHttp.createServer((req, res) => {
    if (req.url === '/bundle.js') {
      res.setHeader('Content-Type', 'text/javascript');
      fs.createReadStream(bundleFile).pipe(res);
      return;
    }
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(html);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { srv, origin: `http://localhost:${srv.address().port}` };
}

// launch starts Chromium with a profile in dir; the returned page records
// the calls to apiBase (by either loopback name) in apiCalls, and
// dump(what) screenshots it and describes the calls and the console for a
// failure message.
export async function launch(dir, apiBase) {
  const browser = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const apiCalls = [];
  // the API by either loopback name (a page on localhost reaches it as such)
  const bases = [apiBase, apiBase.replace('127.0.0.1', 'localhost'), apiBase.replace('localhost', '127.0.0.1')];
  const blocked = new Set();
  await browser.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.protocol === 'data:') return route.continue();
    blocked.add(u.hostname);
    return route.abort('internetdisconnected');
  });
  const page = browser.pages()[0] ?? await browser.newPage();
  page.on('response', (r) => {
    if (bases.some((b) => r.url().startsWith(b))) apiCalls.push({ method: r.request().method(), path: new URL(r.url()).pathname, status: r.status() });
  });
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`.slice(0, 300)));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`.slice(0, 300)));
  const dump = async (what) => {
    await page.screenshot({ path: path.join(dir, `${what}.png`) });
    return `${what}: screenshot ${dir}/${what}.png\nAPI calls: ${JSON.stringify(apiCalls)}\nconsole:\n${consoleLines.slice(-40).join('\n')}`;
  };
  return { browser, page, apiCalls, blocked, dump };
}
