// The test OpenID provider (zitadel/oidc's OP, `./social/oidctest/testop`)
// for tests that sign in with Google against a real provider: built once
// before the file's tests (that may take a while), started by a test once
// the server's redirect URL is known, stopped after the file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { before, after } from 'node:test';
import { repoRoot } from './harness.mjs';

export function useTestOP(ctx) {
  let bin;
  const op = { child: null, issuer: '' };
  before(() => {
    bin = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'testop-')), 'testop');
    const b = spawnSync('go', ['build', '-o', bin, './social/oidctest/testop'], { cwd: repoRoot, encoding: 'utf8', timeout: 10 * 60 * 1000 });
    if (b.status !== 0) throw new Error(`go build ./social/oidctest/testop failed:\n${b.stdout}\n${b.stderr}`);
  }, { timeout: 11 * 60 * 1000 });
  after(async () => {
    if (op.child) op.child.stdin.end();
    if (bin) fs.rmSync(path.dirname(bin), { recursive: true, force: true });
  });
  // start runs the provider for the environment's google redirect URL;
  // args are more of testop's flags (say, ['-picture', url]).
  op.start = async (...args) => {
    const redirect = `${ctx.basePath}/sdk/${ctx.envId}/providers/google/redirect`;
    const child = spawn(bin, ['-redirect', redirect, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    op.issuer = await new Promise((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d) => {
        buf += d;
        const nl = buf.indexOf('\n');
        if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)).issuer);
      });
      child.on('exit', (code) => reject(new Error(`testop exited (${code})`)));
    });
    op.child = child;
  };
  return op;
}

// browse is the browser: from start through the provider's login and this
// server's redirect, until it is sent back to appOrigin.
export async function browse(start, appOrigin) {
  let url = start;
  for (let hops = 0; hops < 10; hops++) {
    if (url.startsWith(appOrigin)) return new URL(url);
    const r = await fetch(url, { redirect: 'manual' });
    const loc = r.headers.get('location');
    if (!(r.status >= 300 && r.status < 400 && loc)) throw new Error(`stopped at ${url}: ${r.status} ${await r.text()}`);
    url = new URL(loc, url).toString();
  }
  throw new Error(`too many redirects from ${start}`);
}
