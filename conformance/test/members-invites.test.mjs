// Members (5 ops) and Invites (5 ops).
//
// The positive member flows (accepting an invite, changing roles, delegating
// ownership, removing a member) need a second dashboard user. The harness gets
// one by running `init` a second time on the same database; if the server
// does not support that, those tests are skipped with the reason.
import assert from 'node:assert/strict';
import {
  setup, clients, expectOk, expectStatus, http, assertError, assertErrorNames, makeToken, uuid, unique, UUID_RE,
} from '../harness.mjs';

const { ctx, it } = setup({ secondPrincipal: true });
const state = {};

async function members(api, orgId) {
  const r = await expectOk(api.members.getOrganizationMembersRaw({ organizationId: orgId }));
  assert.ok(Array.isArray(r.json.members), 'members array');
  assert.equal(r.json.count, r.json.members.length, 'count equals the number of members');
  for (const m of r.json.members) {
    assert.match(m.id, UUID_RE, 'member id');
    assert.ok(m.user && typeof m.user.id === 'string', 'member.user.id');
    assert.ok(['owner', 'admin', 'developer', 'viewer'].includes(m.role), `member role ${m.role}`);
  }
  return r.json.members;
}

async function orgInvites(api, orgId) {
  const r = await expectOk(api.invites.getOrganizationInvitesByOrganizationIdRaw({ organizationId: orgId }));
  assert.ok(Array.isArray(r.json.invites), 'invites array');
  if (r.json.count !== undefined) assert.equal(r.json.count, r.json.invites.length);
  return r.json.invites;
}

it('getOrganizationMembers lists the init owner', async () => {
  const api = clients(ctx);
  const ms = await members(api, ctx.orgId);
  assert.equal(ms.length, 1);
  assert.equal(ms[0].role, 'owner');
  state.ownerMember = ms[0];
  const org = await expectOk(api.orgs.getOrganizationByIdRaw({ organizationId: ctx.orgId }));
  state.orgName = org.json.name;
});

it('membershipEnvironmentIdsGet returns the environment ids the member reaches', async () => {
  const api = clients(ctx);
  const r = await expectOk(api.members.membershipEnvironmentIdsGetRaw());
  assert.ok(Array.isArray(r.json), 'a JSON array');
  for (const id of r.json) assert.match(id, UUID_RE);
  assert.ok(r.json.includes(ctx.envId), 'sandbox env id');
  assert.ok(r.json.includes(ctx.liveEnvId), 'live env id');
  assert.equal(new Set(r.json).size, r.json.length, 'no duplicates');
  if (ctx.other) {
    assert.ok(!r.json.includes(ctx.other.environmentId), 'no environment of a foreign organization');
  }
});

it('createInvite -> 204; getOrganizationInvitesByOrganizationId lists it pending', async () => {
  const api = clients(ctx);
  const email = `${unique('dev')}@example.com`;
  await expectOk(api.invites.createInviteRaw({ organizationId: ctx.orgId, inviteSendRequest: { email, role: 'developer' } }), 204);
  const list = await orgInvites(api, ctx.orgId);
  const inv = list.find((i) => i.email === email);
  assert.ok(inv, `invite for ${email} listed: ${JSON.stringify(list)}`);
  assert.match(inv.id, UUID_RE);
  assert.equal(inv.status, 'pending');
  assert.equal(inv.role, 'developer');
  assert.equal(inv.organizationId, ctx.orgId);
  assert.equal(inv.organizationName, state.orgName);
  state.invite = inv;

  const email2 = `${unique('viewer')}@example.com`;
  await expectOk(api.invites.createInviteRaw({ organizationId: ctx.orgId, inviteSendRequest: { email: email2, role: 'viewer' } }), 204);
  const list2 = await orgInvites(api, ctx.orgId);
  assert.equal(list2.length, list.length + 1);
  state.invite2 = list2.find((i) => i.email === email2);
  assert.equal(state.invite2?.role, 'viewer');
});

it('createInvite validation -> 400 naming the field', async () => {
  const path = `/organizations/${ctx.orgId}/invites`;
  let r = await http(ctx, 'POST', path, { token: ctx.token, body: { email: 'x@example.com', role: 'superuser' } });
  assertErrorNames(assertError(r, 400, 'bad role'), /role/, 'bad role');
  r = await http(ctx, 'POST', path, { token: ctx.token, body: { email: 'x@example.com' } });
  assertErrorNames(assertError(r, 400, 'missing role'), /role/, 'missing role');
  r = await http(ctx, 'POST', path, { token: ctx.token, body: { email: 'not-an-email', role: 'developer' } });
  assertErrorNames(assertError(r, 400, 'bad email'), /email/, 'bad email');
  r = await http(ctx, 'POST', path, { token: ctx.token, body: { role: 'developer' } });
  assertError(r, [400, 422], 'no invitee');
  r = await http(ctx, 'POST', path, { token: ctx.token, rawBody: '{"role":' });
  assertError(r, 400, 'malformed JSON');
  const list = await orgInvites(clients(ctx), ctx.orgId);
  assert.ok(!list.some((i) => i.email === 'x@example.com' || i.email === 'not-an-email'), 'nothing created');
});

it('getInvites lists invites addressed to the caller only; status is required and checked', async () => {
  const api = clients(ctx);
  const r = await expectOk(api.invites.getInvitesRaw({ status: 'pending' }));
  assert.ok(Array.isArray(r.json.invites), 'invites array');
  assert.ok(!r.json.invites.some((i) => i.id === state.invite.id), 'an invite for someone else is not the caller\'s');
  for (const i of r.json.invites) assert.equal(i.status, 'pending');
  const bad = await http(ctx, 'GET', '/invites?status=maybe', { token: ctx.token });
  assertErrorNames(assertError(bad, 400, 'bad status'), /status/, 'bad status');
  await expectStatus(clients(ctx, null).invites.getInvites({ status: 'pending' }), 401, 'no token');
});

it('updateInvite changes the status (204); bad status -> 400', async () => {
  const api = clients(ctx);
  await expectOk(api.invites.updateInviteRaw({ inviteId: state.invite2.id, inviteUpdateRequest: { status: 'rejected' } }), 204);
  const list = await orgInvites(api, ctx.orgId);
  const inv = list.find((i) => i.id === state.invite2.id);
  if (inv) assert.equal(inv.status, 'rejected', 'updated status is stored');
  const bad = await http(ctx, 'PUT', `/invites/${state.invite.id}`, { token: ctx.token, body: { status: 'maybe' } });
  assertErrorNames(assertError(bad, 400, 'bad status'), /status/, 'bad status');
  await expectStatus(api.invites.updateInvite({ inviteId: uuid(), inviteUpdateRequest: { status: 'rejected' } }), [403, 404], 'unknown invite');
  await expectStatus(api.invites.updateInvite({ inviteId: 'nope', inviteUpdateRequest: { status: 'rejected' } }), 400, 'bad invite id');
  const still = (await orgInvites(api, ctx.orgId)).find((i) => i.id === state.invite.id);
  assert.equal(still?.status, 'pending', 'the other invite is untouched');
});

it('deleteInvite -> 204; the invite is gone', async () => {
  const api = clients(ctx);
  await expectOk(api.invites.deleteInviteRaw({ inviteId: state.invite.id }), 204);
  const list = await orgInvites(api, ctx.orgId);
  assert.ok(!list.some((i) => i.id === state.invite.id));
  await expectStatus(api.invites.deleteInvite({ inviteId: state.invite.id }), [403, 404], 'delete twice');
  await expectStatus(api.invites.deleteInvite({ inviteId: 'nope' }), 400, 'bad invite id');
});

it('member/invite routes: bad ids -> 400, unknown ids -> 403/404, no token -> 401, env token -> 403', async () => {
  const api = clients(ctx);
  await expectStatus(api.members.updateMemberRole({ memberId: 'nope', memberRoleField: { role: 'admin' } }), 400, 'bad member id');
  await expectStatus(api.members.deleteMemberById({ memberId: 'nope' }), 400, 'bad member id delete');
  await expectStatus(api.members.updateMemberRole({ memberId: uuid(), memberRoleField: { role: 'admin' } }), [403, 404], 'unknown member');
  await expectStatus(api.members.deleteMemberById({ memberId: uuid() }), [403, 404], 'unknown member delete');
  await expectStatus(api.members.delegateOwnership({ memberId: state.ownerMember.id, delegateOwnershipRequest: { adminMemberIdToDelegate: uuid() } }), [400, 403, 404, 422], 'delegate to unknown member');
  await expectStatus(api.members.getOrganizationMembers({ organizationId: 'not-a-uuid' }), 400, 'bad org id');
  const r = await http(ctx, 'PUT', `/members/${state.ownerMember.id}`, { token: ctx.token, body: { role: 'emperor' } });
  assertErrorNames(assertError(r, 400, 'bad role'), /role/, 'bad role');

  const anon = clients(ctx, null);
  await expectStatus(anon.members.getOrganizationMembers({ organizationId: ctx.orgId }), 401, 'no token members');
  await expectStatus(anon.members.membershipEnvironmentIdsGet(), 401, 'no token env ids');
  await expectStatus(anon.invites.getOrganizationInvitesByOrganizationId({ organizationId: ctx.orgId }), 401, 'no token invites');
  await expectStatus(anon.invites.createInvite({ organizationId: ctx.orgId, inviteSendRequest: { email: 'a@example.com', role: 'viewer' } }), 401, 'no token invite');
  await expectStatus(anon.members.deleteMemberById({ memberId: state.ownerMember.id }), 401, 'no token delete member');

  const env = clients(ctx, (await makeToken(ctx, ctx.envId)).raw);
  await expectStatus(env.members.updateMemberRole({ memberId: state.ownerMember.id, memberRoleField: { role: 'viewer' } }), 403, 'env token role');
  await expectStatus(env.members.deleteMemberById({ memberId: state.ownerMember.id }), 403, 'env token delete member');
  await expectStatus(env.invites.createInvite({ organizationId: ctx.orgId, inviteSendRequest: { email: 'a@example.com', role: 'viewer' } }), 403, 'env token invite');
  await expectStatus(env.members.delegateOwnership({ memberId: state.ownerMember.id, delegateOwnershipRequest: { adminMemberIdToDelegate: state.ownerMember.id } }), 403, 'env token delegate');

  const ms = await members(api, ctx.orgId);
  assert.equal(ms.find((m) => m.id === state.ownerMember.id)?.role, 'owner', 'owner unchanged');
});

it('an organization keeps its owner: the sole owner cannot be demoted, removed or delegate to itself', async () => {
  const api = clients(ctx);
  const me = state.ownerMember.id;
  await expectStatus(api.members.updateMemberRole({ memberId: me, memberRoleField: { role: 'developer' } }), [400, 403, 409, 422], 'demote sole owner');
  await expectStatus(api.members.deleteMemberById({ memberId: me }), [400, 403, 409, 422], 'remove sole owner');
  await expectStatus(api.members.delegateOwnership({ memberId: me, delegateOwnershipRequest: { adminMemberIdToDelegate: me } }), [400, 409, 422], 'delegate to self');
  const r = await http(ctx, 'PUT', `/members/${me}/delegateOwnership`, { token: ctx.token, body: {} });
  assertErrorNames(assertError(r, 400, 'delegate without target'), /adminMemberIdToDelegate/, 'delegate without target');
  const ms = await members(api, ctx.orgId);
  assert.equal(ms.length, 1);
  assert.equal(ms[0].role, 'owner');
  await expectOk(api.orgs.getOrganizationByIdRaw({ organizationId: ctx.orgId }));
});

it('membershipEnvironmentIdsGet with an environment token lists only that environment', async () => {
  const t = await makeToken(ctx, ctx.envId);
  const r = await expectOk(clients(ctx, t.raw).members.membershipEnvironmentIdsGetRaw());
  assert.ok(Array.isArray(r.json));
  assert.ok(r.json.includes(ctx.envId));
  assert.ok(!r.json.includes(ctx.liveEnvId), 'the sibling environment is out of reach');
});

// ------------------------------------------------------------ two users

async function secondUser(t) {
  if (!ctx.other) { t.skip(`no second principal: ${ctx.otherReason}`); return null; }
  if (state.b) return state.b;
  const b = clients(ctx, ctx.other.apiToken);
  const ms = await members(b, ctx.other.organizationId);
  const me = ms.find((m) => m.role === 'owner');
  const email = me?.user?.email;
  if (!email) { t.skip('the second init user has no email; cannot invite it'); return null; }
  if (email === state.ownerMember.user.email) { t.skip('both init users share an email'); return null; }
  state.b = { api: b, userId: me.user.id, email };
  return state.b;
}

it('invite a second user; it sees the invite in getInvites and accepts it', async (t) => {
  const b = await secondUser(t);
  if (!b) return;
  const a = clients(ctx);
  await expectOk(a.invites.createInviteRaw({ organizationId: ctx.orgId, inviteSendRequest: { email: b.email, role: 'developer' } }), 204);
  const mine = await expectOk(b.api.invites.getInvitesRaw({ status: 'pending' }));
  const inv = mine.json.invites.find((i) => i.organizationId === ctx.orgId);
  assert.ok(inv, `invitee sees the invite: ${mine.text}`);
  assert.equal(inv.status, 'pending');
  assert.equal(inv.role, 'developer');
  assert.equal(inv.organizationName, state.orgName);
  const aMine = await expectOk(a.invites.getInvitesRaw({ status: 'pending' }));
  assert.ok(!aMine.json.invites.some((i) => i.id === inv.id), 'the inviter does not see it as its own');
  // the invitee cannot manage the inviting org before accepting
  await expectStatus(b.api.members.getOrganizationMembers({ organizationId: ctx.orgId }), 403, 'not yet a member');

  await expectOk(b.api.invites.updateInviteRaw({ inviteId: inv.id, inviteUpdateRequest: { status: 'accepted' } }), 204);
  const accepted = await expectOk(b.api.invites.getInvitesRaw({ status: 'accepted' }));
  assert.ok(accepted.json.invites.some((i) => i.id === inv.id && i.status === 'accepted'), 'listed as accepted');
  const pending = await expectOk(b.api.invites.getInvitesRaw({ status: 'pending' }));
  assert.ok(!pending.json.invites.some((i) => i.id === inv.id), 'no longer pending');

  const ms = await members(a, ctx.orgId);
  assert.equal(ms.length, 2);
  const bm = ms.find((m) => m.user.id === b.userId);
  assert.ok(bm, 'invitee is now a member');
  assert.equal(bm.role, 'developer');
  b.memberId = bm.id;

  const orgs = await expectOk(b.api.orgs.getOrganizationsForMemberRaw());
  assert.equal(orgs.json.organizations.find((o) => o.id === ctx.orgId)?.role, 'developer');
  const ids = await expectOk(b.api.members.membershipEnvironmentIdsGetRaw());
  assert.ok(ids.json.includes(ctx.envId) && ids.json.includes(ctx.liveEnvId), 'member reaches the org environments');
  await expectOk(b.api.orgs.getOrganizationByIdRaw({ organizationId: ctx.orgId }));
});

it('updateMemberRole -> 200 {member}; a developer cannot change roles', async (t) => {
  const b = state.b?.memberId ? state.b : null;
  if (!b) { t.skip(ctx.other ? 'second user is not a member (previous test failed or skipped)' : `no second principal: ${ctx.otherReason}`); return; }
  const a = clients(ctx);
  await expectStatus(b.api.members.updateMemberRole({ memberId: state.ownerMember.id, memberRoleField: { role: 'viewer' } }), 403, 'developer changes owner role');
  const r = await expectOk(a.members.updateMemberRoleRaw({ memberId: b.memberId, memberRoleField: { role: 'viewer' } }));
  assert.equal(r.json.member.id, b.memberId);
  assert.equal(r.json.member.role, 'viewer');
  assert.equal(r.json.member.user.id, b.userId);
  const r2 = await expectOk(a.members.updateMemberRoleRaw({ memberId: b.memberId, memberRoleField: { role: 'admin' } }));
  assert.equal(r2.json.member.role, 'admin');
  const ms = await members(a, ctx.orgId);
  assert.equal(ms.find((m) => m.id === b.memberId)?.role, 'admin');
  assert.equal(ms.find((m) => m.id === state.ownerMember.id)?.role, 'owner');
});

it('delegateOwnership -> 204: the admin becomes owner, the old owner does not stay owner', async (t) => {
  const b = state.b?.memberId ? state.b : null;
  if (!b) { t.skip('second user is not a member'); return; }
  const a = clients(ctx);
  await expectOk(a.members.delegateOwnershipRaw({ memberId: state.ownerMember.id, delegateOwnershipRequest: { adminMemberIdToDelegate: b.memberId } }), 204);
  const ms = await members(a, ctx.orgId);
  assert.equal(ms.find((m) => m.id === b.memberId)?.role, 'owner');
  assert.notEqual(ms.find((m) => m.id === state.ownerMember.id)?.role, 'owner');
  const orgs = await expectOk(b.api.orgs.getOrganizationsForMemberRaw());
  assert.equal(orgs.json.organizations.find((o) => o.id === ctx.orgId)?.role, 'owner');
});

it('deleteMemberById -> 204: the removed member loses access to the organization', async (t) => {
  const b = state.b?.memberId ? state.b : null;
  if (!b) { t.skip('second user is not a member'); return; }
  await expectOk(b.api.members.deleteMemberByIdRaw({ memberId: state.ownerMember.id }), 204);
  const ms = await members(b.api, ctx.orgId);
  assert.equal(ms.length, 1);
  assert.equal(ms[0].id, b.memberId);
  const a = clients(ctx);
  // The removed member's token was minted in this organization: the server may
  // delete it with the membership (401) or keep it without reach (403).
  const gone = await expectStatus(a.orgs.getOrganizationById({ organizationId: ctx.orgId }), [401, 403], 'removed member reads org');
  await expectStatus(a.envs.getEnvironmentById({ environmentId: ctx.envId }), gone.status, 'removed member reads env');
  if (gone.status === 403) {
    const orgs = await expectOk(a.orgs.getOrganizationsForMemberRaw());
    assert.ok(!orgs.json.organizations.some((o) => o.id === ctx.orgId), 'org no longer listed for the removed member');
    const ids = await expectOk(a.members.membershipEnvironmentIdsGetRaw());
    assert.ok(!ids.json.includes(ctx.envId), 'env ids no longer include the org environments');
  }
  await expectStatus(b.api.members.deleteMemberById({ memberId: state.ownerMember.id }), [403, 404], 'delete twice');
});
