// An environment's own SendGrid provider through the official client
// (@dynamic-labs/sdk-api@0.0.847): SettingsApi.createProvider with
// provider 'sendgrid', the API key as clientSecret and sendgridIpPoolName;
// the email code then goes to SendGrid's v3 Mail Send API (a local server
// here, `serve --sendgrid-url`: the paid API is unreachable) and the user
// signs in with it; disabled, the code goes to the dev outbox again.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createServer } from 'node:http';
import { after } from 'node:test';
import { Configuration, SettingsApi } from '@dynamic-labs/sdk-api';
import { setup, clients, sdkApi, expectOk, http } from '../harness.mjs';

const KEY = 'SG.conformance-key.0123456789abcdefghij';
const requests = []; // {auth, body} of each mail/send call
const sendgrid = createServer((req, res) => {
  let data = '';
  req.on('data', (c) => { data += c; });
  req.on('end', () => {
    requests.push({ method: req.method, path: req.url, auth: req.headers.authorization,
      type: req.headers['content-type'], body: JSON.parse(data || 'null') });
    res.writeHead(req.headers.authorization === `Bearer ${KEY}` ? 202 : 401, { 'content-type': 'application/json' });
    res.end(req.headers.authorization === `Bearer ${KEY}` ? '' : '{"errors":[{"message":"bad key"}]}');
  });
});
after(() => sendgrid.close());

const opts = { serveArgs: ['--rate-limits', 'off'] };
opts.ready = async () => {
  await new Promise((resolve) => sendgrid.listen(0, '127.0.0.1', resolve));
  opts.serveArgs.push('--sendgrid-url', `http://127.0.0.1:${sendgrid.address().port}`);
};
const { ctx, it } = setup(opts);
const settingsApi = () => new SettingsApi(new Configuration({ basePath: ctx.basePath, accessToken: ctx.token,
  headers: { Authorization: `Bearer ${ctx.token}` } }));

function outboxCode(to) {
  const file = `${ctx.db}.outbox.jsonl`;
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  return lines.filter((l) => l.to === to).pop()?.code;
}

let providerId;

it('SettingsApi.createProvider sendgrid: key masked, sendgridIpPoolName kept, no redirect URL; not in the SDK settings', async () => {
  const api = clients(ctx);
  const env = await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: ctx.envId }));
  const model = env.value.settings;
  model.providers = [{ provider: 'emailOnly', enabledAt: new Date() }];
  await expectOk(api.envs.updateProjectSettingsRaw({ environmentId: ctx.envId, projectSettings: model }));

  const created = await expectOk(settingsApi().createProviderRaw({ environmentId: ctx.envId, providerCreateRequest: {
    provider: 'sendgrid', clientSecret: KEY, clientId: 'Acme <auth@acme.test>', sendgridIpPoolName: 'transactional' } }));
  providerId = created.value.id;
  assert.equal(created.value.provider, 'sendgrid', 'the client model parses Provider');
  assert.equal(created.value.sendgridIpPoolName, 'transactional');
  assert.ok(created.json.clientSecret.endsWith('ghij') && !created.json.clientSecret.includes('conformance'), created.json.clientSecret);
  assert.equal(created.json.redirectUrl, undefined);
  const listed = await settingsApi().getEnvironmentProviders({ environmentId: ctx.envId });
  assert.ok(!JSON.stringify(listed).includes(KEY), 'the key is never shown');
  const sdk = await http(ctx, 'GET', `/sdk/${ctx.envId}/settings`);
  assert.ok(!(sdk.json.providers ?? []).some((p) => p.provider === 'sendgrid'), JSON.stringify(sdk.json.providers));
  const ep = await sdkApi(ctx).getEmailProvider({ environmentId: ctx.envId, email: 'ada@example.com' });
  assert.equal(ep.emailProvider, 'emailOnly', 'the sign-in method stays emailOnly');
});

it('the code goes through SendGrid as its v3 Mail Send API documents it, and signs the user in', async () => {
  const sdk = sdkApi(ctx);
  const created = await expectOk(sdk.createEmailVerificationRaw({ environmentId: ctx.envId,
    emailVerificationCreateRequest: { email: 'ada@example.com' } }));
  assert.equal(requests.length, 1);
  const r = requests[0];
  assert.equal(r.method, 'POST');
  assert.equal(r.path, '/v3/mail/send');
  assert.equal(r.auth, `Bearer ${KEY}`);
  assert.equal(r.type, 'application/json');
  assert.deepEqual(r.body.personalizations, [{ to: [{ email: 'ada@example.com' }] }]);
  assert.deepEqual(r.body.from, { email: 'auth@acme.test', name: 'Acme' });
  assert.equal(r.body.ip_pool_name, 'transactional');
  assert.deepEqual(r.body.content.map((c) => c.type), ['text/plain', 'text/html']);
  const code = r.body.content[0].value.match(/\b[0-9]{6}\b/)?.[0];
  assert.ok(code, JSON.stringify(r.body));
  assert.equal(outboxCode('ada@example.com'), undefined, 'nothing in the outbox');
  const res = await expectOk(sdk.signInWithEmailVerificationRaw({ environmentId: ctx.envId,
    emailVerificationVerifyRequest: { verificationUUID: created.value.verificationUUID, verificationToken: code } }));
  assert.equal(res.json.user.email, 'ada@example.com');
  assert.equal(res.json.user.newUser, true);
});

it('disabled, the code goes to the dev outbox again', async () => {
  await settingsApi().disableProvider({ providerId });
  const sdk = sdkApi(ctx);
  const created = await expectOk(sdk.createEmailVerificationRaw({ environmentId: ctx.envId,
    emailVerificationCreateRequest: { email: 'bo@example.com' } }));
  assert.equal(requests.length, 1, 'SendGrid not called');
  const code = outboxCode('bo@example.com');
  assert.match(code ?? '', /^[0-9]{6}$/);
  const res = await expectOk(sdk.signInWithEmailVerificationRaw({ environmentId: ctx.envId,
    emailVerificationVerifyRequest: { verificationUUID: created.value.verificationUUID, verificationToken: code } }));
  assert.equal(res.json.user.email, 'bo@example.com');
  const log = fs.readFileSync(ctx.logFile, 'utf8');
  assert.ok(!log.includes(KEY), 'the key is never logged');
});
