// Organizations group (13 ops): organizations, address, billing, SSO provider.
import assert from 'node:assert/strict';
import {
  setup, clients, expectOk, expectStatus, http, assertError, assertErrorNames, assertIsoDate,
  makeToken, uuid, unique, UUID_RE,
} from '../harness.mjs';

const { ctx, it } = setup({ secondPrincipal: true });
const state = {};

it('getOrganizationsForMember lists the init organization with role owner', async () => {
  const api = clients(ctx);
  const r = await expectOk(api.orgs.getOrganizationsForMemberRaw());
  assert.ok(Array.isArray(r.json.organizations), 'organizations array');
  const o = r.json.organizations.find((x) => x.id === ctx.orgId);
  assert.ok(o, 'init organization listed');
  assert.equal(typeof o.name, 'string');
  assert.ok(o.name.length > 0);
  assert.equal(o.role, 'owner');
});

it('getOrganizationById returns the organization', async () => {
  const api = clients(ctx);
  const r = await expectOk(api.orgs.getOrganizationByIdRaw({ organizationId: ctx.orgId }));
  assert.equal(r.json.id, ctx.orgId);
  assert.equal(typeof r.json.name, 'string');
  assert.equal(r.value.id, ctx.orgId);
});

it('createOrganization -> {organization}; it is listed with role owner and readable', async () => {
  const api = clients(ctx);
  const name = unique('Acme Conformance');
  const r = await expectOk(api.orgs.createOrganizationRaw({
    organizationRequest: { name, description: 'made by the suite', websiteUrl: 'https://acme.example.com', implementationTimeline: 'justBrowsing' },
  }));
  const o = r.json.organization;
  assert.ok(o, 'organization key');
  assert.match(o.id, UUID_RE);
  assert.notEqual(o.id, ctx.orgId);
  assert.equal(o.name, name);
  assert.equal(o.description, 'made by the suite');
  assert.equal(o.websiteUrl, 'https://acme.example.com');
  state.org = o.id;

  const list = await expectOk(api.orgs.getOrganizationsForMemberRaw());
  const listed = list.json.organizations.find((x) => x.id === o.id);
  assert.ok(listed, 'new organization listed');
  assert.equal(listed.name, name);
  assert.equal(listed.role, 'owner');
  assert.ok(list.json.organizations.some((x) => x.id === ctx.orgId), 'init organization still listed');

  const got = await expectOk(api.orgs.getOrganizationByIdRaw({ organizationId: o.id }));
  assert.equal(got.json.name, name);
  assert.equal(got.json.description, 'made by the suite');
  assert.equal(got.json.websiteUrl, 'https://acme.example.com');

  // the init token reaches the new organization's projects too
  const p = await expectOk(clients(ctx).projects.createProjectRaw({ organizationId: o.id, projectRequest: { name: 'in new org' } }));
  assert.equal(p.json.project.organizationId, o.id);
});

it('createOrganization validation: missing name / wrong type -> 400 naming the field; malformed JSON -> 400', async () => {
  let r = await http(ctx, 'POST', '/organizations', { token: ctx.token, body: { description: 'no name' } });
  assertErrorNames(assertError(r, 400, 'missing name'), /name/, 'missing name');
  r = await http(ctx, 'POST', '/organizations', { token: ctx.token, body: { name: 42 } });
  assertErrorNames(assertError(r, 400, 'name wrong type'), /name/, 'name wrong type');
  r = await http(ctx, 'POST', '/organizations', { token: ctx.token, body: { name: 'x', implementationTimeline: 'someday' } });
  assertErrorNames(assertError(r, 400, 'bad enum'), /implementationTimeline/, 'bad enum');
  r = await http(ctx, 'POST', '/organizations', { token: ctx.token, rawBody: '{"name": "x"' });
  assertError(r, 400, 'malformed JSON');
});

it('updateOrganizationById round trip', async () => {
  const api = clients(ctx);
  const org = state.org ?? ctx.orgId;
  const r = await expectOk(api.orgs.updateOrganizationByIdRaw({
    organizationId: org,
    organizationFields: { name: 'Renamed Org', description: 'new desc', websiteUrl: 'https://renamed.example.com' },
  }));
  assert.equal(r.json.organization.id, org);
  assert.equal(r.json.organization.name, 'Renamed Org');
  assert.equal(r.json.organization.description, 'new desc');
  assert.equal(r.json.organization.websiteUrl, 'https://renamed.example.com');
  const got = await expectOk(api.orgs.getOrganizationByIdRaw({ organizationId: org }));
  assert.equal(got.json.name, 'Renamed Org');
  assert.equal(got.json.description, 'new desc');
  assert.equal(got.json.websiteUrl, 'https://renamed.example.com');
  const list = await expectOk(api.orgs.getOrganizationsForMemberRaw());
  assert.equal(list.json.organizations.find((x) => x.id === org)?.name, 'Renamed Org');

  const bad = await http(ctx, 'PUT', `/organizations/${org}`, { token: ctx.token, body: { description: 'no name' } });
  assertErrorNames(assertError(bad, 400, 'update without name'), /name/, 'update without name');
  const still = await expectOk(api.orgs.getOrganizationByIdRaw({ organizationId: org }));
  assert.equal(still.json.name, 'Renamed Org');
});

it('updateOrganizationAddressById round trip', async () => {
  const api = clients(ctx);
  const org = state.org ?? ctx.orgId;
  const address = {
    addressLine1: '1 Infinite Loop', addressLine2: 'Suite 2', city: 'Cupertino',
    region: 'CA', postalCode: '95014', country: 'US',
  };
  const r = await expectOk(api.orgs.updateOrganizationAddressByIdRaw({ organizationId: org, organizationAddressFields: address }));
  assert.equal(r.json.organization.id, org);
  assert.deepEqual(r.json.organization.address, address);
  const got = await expectOk(api.orgs.getOrganizationByIdRaw({ organizationId: org }));
  assert.deepEqual(got.json.address, address);

  const bad = await http(ctx, 'PUT', `/organizations/${org}/address`, { token: ctx.token, body: { city: 12 } });
  assertErrorNames(assertError(bad, 400, 'address wrong type'), /city/, 'address wrong type');
});

it('getBillingSubscriptionByOrganization answers a self-hosted plan', async () => {
  const api = clients(ctx);
  const r = await expectOk(api.orgs.getBillingSubscriptionByOrganizationRaw({ organizationId: ctx.orgId }));
  const b = r.json;
  assert.ok(['free', 'advanced', 'enterprise', 'standard'].includes(b.planType), `planType ${b.planType}`);
  assert.equal(typeof b.hasPaymentMethod, 'boolean');
  assert.equal(typeof b.inTrial, 'boolean');
  assert.ok(Array.isArray(b.scope), 'scope array');
  assert.equal(typeof b.version, 'string');
  if (b.coupons !== undefined) assert.ok(Array.isArray(b.coupons));
  state.billing = b;
});

it('upgradeSubscriptionForOrganization / applyCouponForSubscription answer a BillingSubscription or a clear refusal', async () => {
  const api = clients(ctx);
  for (const [name, call] of [
    ['upgrade', () => api.orgs.upgradeSubscriptionForOrganizationRaw({ organizationId: ctx.orgId })],
    ['coupon', () => api.orgs.applyCouponForSubscriptionRaw({ organizationId: ctx.orgId, billingSubscriptionCoupon: { coupon: 'SELFHOSTED' } })],
  ]) {
    try {
      const r = await call();
      assert.equal(r.raw.status, 200, name);
      const b = await r.raw.json();
      assert.ok(['free', 'advanced', 'enterprise', 'standard'].includes(b.planType), `${name}: planType ${b.planType}`);
      assert.equal(typeof b.hasPaymentMethod, 'boolean', name);
    } catch (err) {
      if (!(err instanceof Response)) throw err;
      assert.ok([400, 422].includes(err.status), `${name}: expected 200 or a 400/422 refusal, got ${err.status}`);
      const body = await err.json();
      assert.equal(typeof body.error, 'string', `${name}: error body`);
    }
  }
  const bad = await http(ctx, 'PUT', `/organizations/${ctx.orgId}/billing/subscription/coupon`, { token: ctx.token, body: {} });
  assertErrorNames(assertError(bad, 400, 'coupon missing'), /coupon/, 'coupon missing');
});

it('SSO provider: create / get / update / delete round trip, secret never returned', async () => {
  const api = clients(ctx);
  const org = ctx.orgId;
  await expectStatus(api.orgs.getSsoProviderForOrganization({ organizationId: org }), 404, 'no provider yet');

  const secret = 'sso-client-secret-0123456789abcdef';
  const c = await expectOk(api.orgs.createSsoProviderRaw({
    organizationId: org,
    ssoProviderCreateRequest: { clientId: 'client-1', clientSecret: secret, ssoDomain: 'acme.okta.com', emailDomain: 'acme.example.com', provider: 'okta' },
  }));
  const p = c.json;
  assert.match(p.id, UUID_RE);
  assert.equal(p.clientId, 'client-1');
  assert.equal(p.organizationId, org);
  assert.equal(p.ssoDomain, 'acme.okta.com');
  assert.equal(p.emailDomain, 'acme.example.com');
  assert.equal(p.provider, 'okta');
  assert.equal(typeof p.enforceOnlySSO, 'boolean');
  assert.equal(typeof p.maskedClientSecret, 'string');
  assert.ok(p.maskedClientSecret.length > 0);
  assert.notEqual(p.maskedClientSecret, secret);
  assertIsoDate(p.createdAt, 'createdAt');
  assertIsoDate(p.updatedAt, 'updatedAt');
  assert.ok(!c.text.includes(secret), 'create response must not contain the client secret');
  assert.ok(!('clientSecret' in p), 'clientSecret never returned');

  const g = await expectOk(api.orgs.getSsoProviderForOrganizationRaw({ organizationId: org }));
  assert.equal(g.json.id, p.id);
  assert.equal(g.json.clientId, 'client-1');
  assert.equal(g.json.maskedClientSecret, p.maskedClientSecret);
  assert.ok(!g.text.includes(secret));
  assert.ok(!('clientSecret' in g.json));

  const secret2 = 'another-secret-value-fedcba9876543210';
  const u = await expectOk(api.orgs.updateSsoProviderRaw({
    organizationId: org, ssoProviderId: p.id,
    ssoProviderUpdateRequest: { clientId: 'client-2', clientSecret: secret2, enforceOnlySSO: true, emailDomain: 'acme2.example.com' },
  }));
  assert.equal(u.json.id, p.id);
  assert.equal(u.json.clientId, 'client-2');
  assert.equal(u.json.enforceOnlySSO, true);
  assert.equal(u.json.emailDomain, 'acme2.example.com');
  assert.equal(u.json.ssoDomain, 'acme.okta.com', 'fields not in the update stay');
  assert.ok(!u.text.includes(secret2));
  assert.ok(!('clientSecret' in u.json));

  const g2 = await expectOk(api.orgs.getSsoProviderForOrganizationRaw({ organizationId: org }));
  assert.equal(g2.json.clientId, 'client-2');
  assert.equal(g2.json.enforceOnlySSO, true);
  assert.equal(g2.json.emailDomain, 'acme2.example.com');

  await expectStatus(api.orgs.updateSsoProvider({ organizationId: org, ssoProviderId: uuid(), ssoProviderUpdateRequest: { clientId: 'x' } }), 404, 'update unknown provider');
  await expectStatus(api.orgs.deleteSsoProvider({ organizationId: org, ssoProviderId: uuid() }), 404, 'delete unknown provider');

  await expectOk(api.orgs.deleteSsoProviderRaw({ organizationId: org, ssoProviderId: p.id }), 204);
  await expectStatus(api.orgs.getSsoProviderForOrganization({ organizationId: org }), 404, 'provider deleted');
});

it('SSO provider validation: unknown provider / missing fields -> 400 naming the field', async () => {
  const base = { clientId: 'c', clientSecret: 's3cret-s3cret', ssoDomain: 'a.okta.com', emailDomain: 'a.example.com', provider: 'okta' };
  let r = await http(ctx, 'POST', `/organizations/${ctx.orgId}/ssoProvider`, { token: ctx.token, body: { ...base, provider: 'google' } });
  assertErrorNames(assertError(r, 400, 'bad provider'), /provider/, 'bad provider');
  const { clientSecret, ...noSecret } = base;
  r = await http(ctx, 'POST', `/organizations/${ctx.orgId}/ssoProvider`, { token: ctx.token, body: noSecret });
  assertErrorNames(assertError(r, 400, 'missing clientSecret'), /clientSecret/, 'missing clientSecret');
  await expectStatus(clients(ctx).orgs.getSsoProviderForOrganization({ organizationId: ctx.orgId }), 404, 'nothing was created');
});

it('organization routes: invalid uuid -> 400, unknown org -> 403/404, no token -> 401', async () => {
  const api = clients(ctx);
  await expectStatus(api.orgs.getOrganizationById({ organizationId: 'not-a-uuid' }), 400, 'bad uuid');
  await expectStatus(api.orgs.getBillingSubscriptionByOrganization({ organizationId: 'not-a-uuid' }), 400, 'bad uuid billing');
  await expectStatus(api.orgs.getOrganizationById({ organizationId: uuid() }), [403, 404], 'unknown org');
  await expectStatus(api.orgs.updateOrganizationById({ organizationId: uuid(), organizationFields: { name: 'x' } }), [403, 404], 'unknown org update');
  const anon = clients(ctx, null);
  await expectStatus(anon.orgs.getOrganizationsForMember(), 401, 'no token list');
  await expectStatus(anon.orgs.getOrganizationById({ organizationId: ctx.orgId }), 401, 'no token get');
  await expectStatus(anon.orgs.createOrganization({ organizationRequest: { name: 'x' } }), 401, 'no token create');
  await expectStatus(anon.orgs.getBillingSubscriptionByOrganization({ organizationId: ctx.orgId }), 401, 'no token billing');
  await expectStatus(anon.orgs.getSsoProviderForOrganization({ organizationId: ctx.orgId }), 401, 'no token sso');
});

it('env-scoped token: reads its organization, but not another one; no org writes', async () => {
  const t = await makeToken(ctx, ctx.envId);
  const api = clients(ctx, t.raw);
  const r = await expectOk(api.orgs.getOrganizationByIdRaw({ organizationId: ctx.orgId }));
  assert.equal(r.json.id, ctx.orgId);
  if (state.org) await expectStatus(api.orgs.getOrganizationById({ organizationId: state.org }), 403, 'other org read');
  await expectStatus(api.orgs.updateOrganizationById({ organizationId: ctx.orgId, organizationFields: { name: 'x' } }), 403, 'org update');
  await expectStatus(api.orgs.createSsoProvider({ organizationId: ctx.orgId, ssoProviderCreateRequest: { clientId: 'c', clientSecret: 's', ssoDomain: 'd', emailDomain: 'e', provider: 'okta' } }), 403, 'sso create');
  await expectStatus(api.orgs.upgradeSubscriptionForOrganization({ organizationId: ctx.orgId }), 403, 'upgrade');
});

it('an owner token does not reach an organization it is not a member of (403)', async (t) => {
  if (!ctx.other) { t.skip(`no second principal: ${ctx.otherReason}`); return; }
  const mine = clients(ctx);
  const theirs = clients(ctx, ctx.other.apiToken);
  await expectStatus(mine.orgs.getOrganizationById({ organizationId: ctx.other.organizationId }), 403, 'foreign org');
  await expectStatus(mine.orgs.updateOrganizationById({ organizationId: ctx.other.organizationId, organizationFields: { name: 'x' } }), 403, 'foreign org write');
  await expectStatus(mine.projects.getProjectById({ projectId: ctx.other.projectId }), 403, 'foreign project');
  await expectStatus(mine.envs.getEnvironmentById({ environmentId: ctx.other.environmentId }), 403, 'foreign env');
  await expectStatus(theirs.orgs.getOrganizationById({ organizationId: ctx.orgId }), 403, 'reverse');
  const list = await expectOk(mine.orgs.getOrganizationsForMemberRaw());
  assert.ok(!list.json.organizations.some((x) => x.id === ctx.other.organizationId), 'foreign org not listed');
});
