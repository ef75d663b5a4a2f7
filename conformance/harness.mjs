// Test harness for the dynamicauth conformance suite.
//
// It builds the server (or uses $DYNAMICAUTH_BIN), initialises a fresh
// database in a temp dir, starts `serve` on a free loopback port and hands
// out clients of Dynamic's official TS client (@dynamic-labs/sdk-api@0.0.847)
// configured with a bearer token. Each test file gets its own server.

import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { test as nodeTest, before, after } from 'node:test';

import {
  Configuration,
  OrganizationsApi,
  ProjectsApi,
  EnvironmentsApi,
  TokensApi,
  MembersApi,
  InvitesApi,
  OriginsApi,
  MfaSettingsApi,
  SDKApi,
} from '@dynamic-labs/sdk-api';
import { SiweMessage } from 'siwe';
import { generate } from 'otplib';
import { createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..');

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const RAW_TOKEN_RE = /^dyn_[A-Za-z0-9]{56}$/;

export const ALL_ENV_SCOPES = [
  'environment.settings.read',
  'environment.settings.write',
  'environment.apiTokens.read',
  'environment.apiTokens.write',
];

// ---------------------------------------------------------------- server

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function buildServer(tmp) {
  if (process.env.DYNAMICAUTH_BIN) {
    const bin = path.resolve(process.env.DYNAMICAUTH_BIN);
    assert.ok(fs.existsSync(bin), `DYNAMICAUTH_BIN=${bin} does not exist`);
    return bin;
  }
  const bin = path.join(tmp, 'dynamicauth');
  const r = spawnSync('go', ['build', '-o', bin, './cmd/dynamicauth'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 10 * 60 * 1000,
  });
  if (r.status !== 0) {
    throw new Error(`go build ./cmd/dynamicauth failed (status ${r.status}):\n${r.stdout}\n${r.stderr}\n${r.error ?? ''}`);
  }
  return bin;
}

function runInit(bin, dbArgs, extra = []) {
  const r = spawnSync(bin, ['init', '--db', ...dbArgs, '--json', ...extra], { encoding: 'utf8', timeout: 60_000 });
  return r;
}

// The second dashboard user: `init --email <new address>` on an existing
// database is expected to create a new user owning a new organization.
export const SECOND_OWNER_EMAIL = 'second-owner@example.com';

function parseInit(r) {
  if (r.status !== 0) {
    throw new Error(`init exited ${r.status}:\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  let out;
  try {
    out = JSON.parse(r.stdout.trim());
  } catch (e) {
    throw new Error(`init --json did not print exactly one JSON object on stdout: ${JSON.stringify(r.stdout)}`);
  }
  for (const k of ['organizationId', 'projectId', 'environmentId', 'liveEnvironmentId']) {
    assert.match(String(out[k]), UUID_RE, `init output ${k} should be a UUID: ${JSON.stringify(out)}`);
  }
  assert.match(String(out.apiToken), RAW_TOKEN_RE, `init output apiToken should be dyn_ + 56 alphanumerics`);
  return out;
}

/**
 * Start a fresh server. Options:
 *   secondPrincipal: also run `init --email second-owner@example.com` (or
 *     plain `init` if that flag is refused) a second time on the same
 *     database before serving; if that yields a different organization, the
 *     result is exposed as ctx.other (another owner, another organization).
 *   serveArgs: extra `serve` flags (e.g. ['--rate-limits', 'off']).
 */
export async function startServer({ secondPrincipal = false, serveArgs = [] } = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dynamicauth-conf-'));
  const bin = buildServer(tmp);
  // db is the SQLite file; with PostgreSQL, the name the secret and the
  // dev outbox files are given (tests read `${ctx.db}.outbox.jsonl`).
  const db = path.join(tmp, 'test.db');
  const pg = postgresSchema();
  const dbArgs = pg ? [pg.url, '--secret-file', `${db}.secret`] : [db];
  let init;
  try {
    init = parseInit(runInit(bin, dbArgs));
  } catch (e) {
    pg?.drop();
    throw e;
  }

  let other = null;
  let otherReason = '';
  if (secondPrincipal) {
    let r = runInit(bin, dbArgs, ['--email', SECOND_OWNER_EMAIL]);
    if (r.status !== 0) r = runInit(bin, dbArgs);
    try {
      const o = parseInit(r);
      if (o.organizationId !== init.organizationId && o.apiToken !== init.apiToken) other = o;
      else otherReason = 'a second `init` on the same database returned the same organization/token';
    } catch (e) {
      otherReason = `a second \`init\` on the same database did not create a new owner: ${e.message.split('\n')[0]}`;
    }
  }

  const port = await freePort();
  const logFile = path.join(tmp, 'server.log');
  const logFd = fs.openSync(logFile, 'a');
  const pgServe = pg ? ['--outbox', `${db}.outbox.jsonl`] : [];
  const child = spawn(bin, ['serve', '--db', ...dbArgs, ...pgServe, '--addr', `127.0.0.1:${port}`, ...serveArgs], {
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  let exited = null;
  child.on('exit', (code, sig) => { exited = { code, sig }; });
  const killOnExit = () => { try { child.kill('SIGKILL'); } catch { /* gone */ } };
  process.on('exit', killOnExit);

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`server exited early (${JSON.stringify(exited)}):\n${tail(logFile, 60)}`);
    try {
      const r = await fetch(`${baseUrl}/healthz`);
      if (r.status === 200) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`server did not answer 200 on /healthz within 20s:\n${tail(logFile, 60)}`);
    await new Promise((res) => setTimeout(res, 50));
  }

  const ctx = {
    tmp, bin, db, port, baseUrl, logFile,
    basePath: `${baseUrl}/api/v0`,
    orgId: init.organizationId,
    projectId: init.projectId,
    envId: init.environmentId,
    liveEnvId: init.liveEnvironmentId,
    token: init.apiToken,
    init,
    other,
    otherReason,
    failed: false,
    async stop(failed = ctx.failed) {
      process.off('exit', killOnExit);
      if (!exited) {
        child.kill('SIGTERM');
        const t0 = Date.now();
        while (!exited && Date.now() - t0 < 5000) await new Promise((res) => setTimeout(res, 25));
        if (!exited) child.kill('SIGKILL');
      }
      if (pg && !process.env.KEEP_TMP) pg.drop();
      if (process.env.KEEP_TMP) {
        process.stderr.write(`[harness] server temp dir kept: ${tmp}\n`);
      } else if (failed) {
        // keep only the server log of a failing file
        for (const f of fs.readdirSync(tmp)) if (f !== 'server.log') fs.rmSync(path.join(tmp, f), { recursive: true, force: true });
        process.stderr.write(`[harness] server log kept: ${logFile}\n`);
      } else {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    },
  };
  return ctx;
}

/**
 * With DYNAMICAUTH_CONFORMANCE_POSTGRES_URL set (a PostgreSQL database, as
 * DYNAMICAUTH_TEST_POSTGRES_URL for the Go tests), the server of each test
 * file runs on a fresh schema there instead of a SQLite file, so the suite
 * shows the same behaviour on PostgreSQL. The schema is made and dropped
 * with psql; returns null without the variable.
 */
function postgresSchema() {
  const base = process.env.DYNAMICAUTH_CONFORMANCE_POSTGRES_URL;
  if (!base) return null;
  const schema = `conf_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const psql = (sql) => {
    const r = spawnSync('psql', [base, '-v', 'ON_ERROR_STOP=1', '-qc', sql], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr || r.error}`);
  };
  psql(`CREATE SCHEMA ${schema}`);
  const url = new URL(base);
  url.searchParams.set('search_path', schema);
  return { url: url.toString(), drop: () => psql(`DROP SCHEMA ${schema} CASCADE`) };
}

export function tail(file, lines = 40) {
  try {
    const txt = fs.readFileSync(file, 'utf8');
    return txt.split('\n').slice(-lines - 1).join('\n');
  } catch {
    return '(no server log)';
  }
}

/**
 * Per-file setup. Returns a ctx object that is filled in by the before hook.
 * opts.ready, if set, is awaited before the server starts (it may push to
 * opts.serveArgs); opts.timeoutMs is each test's timeout.
 * Use `it` from the returned object so that a failing test prints the
 * server log lines written during that test.
 */
export function setup(opts = {}) {
  const ctx = {};
  before(async () => {
    if (opts.ready) await opts.ready(); // what the server's flags need (a node to point at)
    Object.assign(ctx, await startServer(opts));
  }, { timeout: 11 * 60 * 1000 });
  after(async () => {
    if (ctx.stop) await ctx.stop(ctx.failed);
  });
  // a hung server fails one test after TEST_TIMEOUT_MS instead of stalling the run
  const timeout = Number(process.env.TEST_TIMEOUT_MS) || opts.timeoutMs || 60_000;
  const it = (name, fn) =>
    nodeTest(name, { timeout }, async (t) => {
      if (!ctx.logFile) throw new Error('server did not start (see the before hook failure)');
      const start = fs.statSync(ctx.logFile).size;
      try {
        await fn(t);
      } catch (err) {
        ctx.failed = true;
        let log = '';
        try {
          const buf = fs.readFileSync(ctx.logFile);
          log = buf.subarray(start).toString('utf8');
          if (!log.trim()) log = tail(ctx.logFile, 20);
          const lines = log.split('\n');
          if (lines.length > 40) log = lines.slice(-40).join('\n');
        } catch { /* ignore */ }
        t.diagnostic(`server log during this test:\n${log}`);
        process.stderr.write(`\n--- server log (${name}) ---\n${log}\n--- end server log ---\n`);
        throw err;
      }
    });
  return { ctx, it };
}

// ---------------------------------------------------------------- clients

/**
 * Official client instances. `token` null means no credentials at all.
 * The 0.0.847 client omits the bearer on some admin routes (origins), so the
 * Authorization header is also set as a default header.
 */
export function clients(ctx, token = ctx.token, extraHeaders = {}) {
  const headers = { ...extraHeaders };
  if (token) headers.Authorization = `Bearer ${token}`;
  const cfg = new Configuration({
    basePath: ctx.basePath,
    ...(token ? { accessToken: token } : {}),
    headers,
  });
  return {
    orgs: new OrganizationsApi(cfg),
    projects: new ProjectsApi(cfg),
    envs: new EnvironmentsApi(cfg),
    tokens: new TokensApi(cfg),
    members: new MembersApi(cfg),
    invites: new InvitesApi(cfg),
    origins: new OriginsApi(cfg),
    mfa: new MfaSettingsApi(cfg),
    sdk: new SDKApi(cfg),
  };
}

// ---------------------------------------------------------------- assertions

function responseOf(err) {
  if (typeof Response !== 'undefined' && err instanceof Response) return err;
  if (err && err.response && typeof err.response.status === 'number') return err.response;
  return null;
}

async function readBody(resp) {
  let text = '';
  try { text = await resp.text(); } catch { /* consumed */ }
  if (!text) return { text, json: undefined };
  try { return { text, json: JSON.parse(text) }; } catch { return { text, json: undefined }; }
}

function statusList(s) { return Array.isArray(s) ? s : [s]; }

/**
 * Await a client call expected to fail; assert its HTTP status (a number or
 * a list of acceptable numbers) and that the body is {error: string}.
 * Returns the parsed error body (with a non-enumerable `status`).
 */
export async function expectStatus(promise, status, what = '') {
  const want = statusList(status);
  let res;
  try {
    res = await promise;
  } catch (err) {
    const resp = responseOf(err);
    if (!resp) throw new Error(`${what} expected HTTP ${want.join('|')} but the client threw ${err?.stack ?? err}`);
    const { text, json } = await readBody(resp);
    assert.ok(want.includes(resp.status), `${what} expected HTTP ${want.join('|')}, got ${resp.status} ${text.slice(0, 500)}`);
    if (resp.status >= 400) {
      assert.ok(json && typeof json === 'object', `${what} error body should be JSON, got ${JSON.stringify(text.slice(0, 300))}`);
      assert.equal(typeof json.error, 'string', `${what} error body should carry {error: string}: ${text.slice(0, 300)}`);
      assert.ok(json.error.length > 0, `${what} error message should not be empty`);
      if (resp.status === 404) assert.equal(typeof json.code, 'string', `${what} 404 body should carry {code: string}: ${text}`);
    }
    Object.defineProperty(json ?? {}, 'status', { value: resp.status, enumerable: false });
    return json;
  }
  let extra = '';
  if (res && res.raw) extra = ` (HTTP ${res.raw.status})`;
  assert.fail(`${what} expected HTTP ${want.join('|')} but the call succeeded${extra}: ${safeJson(res)}`);
}

function safeJson(v) {
  try { return JSON.stringify(v)?.slice(0, 500); } catch { return String(v); }
}

/**
 * Await a client `...Raw()` call expected to succeed with `status`.
 * Returns {status, text, json (wire JSON), value (client model), headers}.
 */
export async function expectOk(rawPromise, status = 200, what = '') {
  let r;
  try {
    r = await rawPromise;
  } catch (err) {
    const resp = responseOf(err);
    if (!resp) throw err;
    const { text } = await readBody(resp);
    assert.fail(`${what} expected HTTP ${status}, got ${resp.status} ${text.slice(0, 500)}`);
  }
  const raw = r.raw;
  assert.equal(raw.status, status, `${what} expected HTTP ${status}, got ${raw.status}`);
  const { text, json } = await readBody(raw.clone());
  if (status === 204) assert.equal(text, '', `${what} 204 must have no body`);
  let value;
  if (text && typeof r.transformer === 'function') value = await r.value();
  return { status: raw.status, text, json, value, headers: raw.headers };
}

/** Plain HTTP request against the server (for things the client cannot send). */
export async function http(ctx, method, urlPath, { token, body, rawBody, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  let payload;
  if (rawBody !== undefined) {
    payload = rawBody;
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  const url = urlPath.startsWith('http') ? urlPath : `${ctx.basePath}${urlPath}`;
  const resp = await fetch(url, { method, headers: h, body: payload });
  const { text, json } = await readBody(resp);
  return { status: resp.status, text, json, headers: resp.headers };
}

/** Assert an http() result is a 4xx with {error} (and code for 404). */
/** Reads the environment's settings, lets change edit them, and PUTs them back (admin token). */
export async function updateSettings(ctx, change) {
  const env = await http(ctx, 'GET', `/environments/${ctx.envId}`, { token: ctx.token });
  if (env.status !== 200) throw new Error(`GET environment: ${env.status} ${env.text}`);
  const next = env.json.settings;
  change(next);
  const put = await http(ctx, 'PUT', `/environments/${ctx.envId}`, { token: ctx.token, body: next });
  if (put.status !== 200) throw new Error(`PUT environment: ${put.status} ${put.text}`);
  return put.json;
}

export function assertError(r, status, what = '') {
  const want = statusList(status);
  assert.ok(want.includes(r.status), `${what} expected HTTP ${want.join('|')}, got ${r.status} ${r.text.slice(0, 500)}`);
  assert.ok(r.json && typeof r.json.error === 'string' && r.json.error.length > 0,
    `${what} error body should be {error: string}: ${r.text.slice(0, 300)}`);
  if (r.status === 404) assert.equal(typeof r.json.code, 'string', `${what} 404 body should carry code: ${r.text}`);
  return r.json;
}

export function assertIsoDate(v, what = 'date') {
  assert.equal(typeof v, 'string', `${what} should be an ISO date string, got ${JSON.stringify(v)}`);
  assert.ok(!Number.isNaN(Date.parse(v)), `${what} should parse as a date: ${v}`);
}

export function assertErrorNames(body, re, what = '') {
  assert.match(body.error, re, `${what} error should name the offending field: ${JSON.stringify(body)}`);
}

export const uuid = () => randomUUID();
export const unique = (p) => `${p}-${randomUUID().slice(0, 8)}`;

/** Create an environment-scoped API token through the API; returns {id, raw, json}. */
export async function makeToken(ctx, envId, scopes, note = unique('conf')) {
  const api = clients(ctx);
  const body = { note };
  if (scopes !== undefined) body.scopes = scopes;
  const r = await expectOk(api.tokens.postTokenRaw({ environmentId: envId, postTokenFields: body }), 200, 'postToken');
  const t = r.json.token;
  assert.match(t.rawToken, RAW_TOKEN_RE);
  return { id: t.id, raw: t.rawToken, json: t };
}

// ---------------------------------------------------------------- end-user (sdk) helpers

/** The app origin the sandbox environment accepts without configured origins. */
export const APP_ORIGIN = 'http://localhost:3000';
export const APP_DOMAIN = 'localhost:3000';

/** SDKApi of the official client with no admin token (optionally a user bearer). */
export function sdkApi(ctx, { token = null, headers = {} } = {}) {
  return clients(ctx, token, headers).sdk;
}

/** A fresh nonce from GET /sdk/{env}/nonce through the official client. */
export async function issueNonce(ctx, envId = ctx.envId) {
  const r = await expectOk(sdkApi(ctx).getNonceRaw({ environmentId: envId }), 200, 'getNonce');
  assert.equal(typeof r.json.nonce, 'string', `getNonce -> {nonce: string}: ${r.text}`);
  assert.match(r.json.nonce, /^[A-Za-z0-9]{8,}$/, 'SIWE needs an alphanumeric nonce of >= 8 chars');
  return r.json.nonce;
}

/** EIP-4361 text built with the `siwe` package, in the layout Dynamic's SDKs use. */
export function siweText({
  address, nonce, envId, domain = APP_DOMAIN, uri = `${APP_ORIGIN}/`, chainId = 1,
  issuedAt = new Date(), requestId = envId,
  statement = 'Welcome to Conformance. Signing is the only way we can truly know that you are the owner of the wallet you are connecting.',
}) {
  return new SiweMessage({
    domain, address, statement, uri, version: '1', chainId, nonce,
    issuedAt: issuedAt instanceof Date ? issuedAt.toISOString() : issuedAt,
    ...(requestId ? { requestId } : {}),
  }).prepareMessage();
}

/**
 * A VerifyRequest for an ethers wallet: fetches a nonce (unless given),
 * builds and signs the SIWE message. `msg` overrides siweText fields,
 * `body` overrides request fields.
 */
export async function evmVerifyRequest(ctx, wallet, { envId = ctx.envId, nonce, msg = {}, body = {}, signer = wallet } = {}) {
  const n = nonce ?? await issueNonce(ctx, envId);
  const messageToSign = siweText({ address: wallet.address, nonce: n, envId, ...msg });
  const signedMessage = await signer.signMessage(messageToSign);
  return {
    signedMessage,
    messageToSign,
    publicWalletAddress: wallet.address,
    chain: 'EVM',
    walletName: 'metamask',
    walletProvider: 'browserExtension',
    network: '1',
    ...body,
  };
}

/**
 * The social login and redirect routes answer a browser: a redirect to the
 * provider (302) or back to the application (303). The client fetches with
 * the platform's fetch, which in Node follows redirects (to a provider or an
 * application that does not answer here); MANUAL_REDIRECT is the client's own
 * initOverrides, handed to fetch, and the client then throws the 3xx
 * Response as it does any answer outside 2xx. redirected returns that
 * Response, or the raw Response of a 2xx.
 */
export const MANUAL_REDIRECT = { redirect: 'manual' };
export async function redirected(call) {
  try {
    return (await call).raw;
  } catch (err) {
    if (err instanceof Response) return err;
    throw err;
  }
}

/** Await an sdk call expected to be refused with 422 {error, code}. */
export async function expectVerifyFailure(promise, code, what = '') {
  const body = await expectStatus(promise, 422, what);
  assert.equal(body.code, code, `${what}: 422 code should be ${code}: ${JSON.stringify(body)}`);
  return body;
}

const jwksSets = new Map();
/** Verify a session JWT against the environment's served JWKS (RS256). Returns {payload, protectedHeader}. */
export async function verifySessionJwt(ctx, token, envId = ctx.envId, path = '.well-known/jwks') {
  const url = `${ctx.basePath}/sdk/${envId}/${path}`;
  if (!jwksSets.has(url)) jwksSets.set(url, createRemoteJWKSet(new URL(url), { cacheMaxAge: 0, cooldownDuration: 0 }));
  assert.equal(typeof token, 'string', 'token should be a string');
  assert.equal(decodeProtectedHeader(token).alg, 'RS256', 'session JWTs are RS256');
  return jwtVerify(token, jwksSets.get(url), { algorithms: ['RS256'] });
}

// totp is the code of the 30-second step offset seconds from now, taken with
// at least 3 s left in the current step (waiting for the next one when less
// is left), so that a code one step off, the edge of the server's skew, is
// still one step off when the server checks it.
export async function totp(secret, offset = 0) {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < 3_000) await new Promise((resolve) => setTimeout(resolve, left));
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offset });
}
