-- Tenancy: organizations, members, projects, environments, API tokens,
-- origins, signing keys, plus the user and visit rows statistics count.
-- Tables keyed by a UUID are WITHOUT ROWID: one b-tree instead of two, so
-- a sign-in writes half the pages.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE organizations (
    id                      TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    description             TEXT NOT NULL DEFAULT '',
    website_url             TEXT NOT NULL DEFAULT '',
    implementation_timeline TEXT NOT NULL DEFAULT '',
    address_line1           TEXT NOT NULL DEFAULT '',
    address_line2           TEXT NOT NULL DEFAULT '',
    city                    TEXT NOT NULL DEFAULT '',
    region                  TEXT NOT NULL DEFAULT '',
    postal_code             TEXT NOT NULL DEFAULT '',
    country                 TEXT NOT NULL DEFAULT '',
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);

CREATE TABLE dashboard_users (
    id                TEXT PRIMARY KEY,
    alias             TEXT NOT NULL DEFAULT '',
    email             TEXT NOT NULL DEFAULT '',
    first_name        TEXT NOT NULL DEFAULT '',
    last_name         TEXT NOT NULL DEFAULT '',
    wallet_public_key TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL
);

CREATE TABLE members (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES dashboard_users(id),
    role            TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'developer', 'viewer')),
    created_at      TEXT NOT NULL,
    UNIQUE (organization_id, user_id)
);
CREATE INDEX members_user ON members(user_id);

CREATE TABLE invites (
    id                TEXT PRIMARY KEY,
    organization_id   TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
    email             TEXT NOT NULL DEFAULT '',
    alias             TEXT NOT NULL DEFAULT '',
    wallet_public_key TEXT NOT NULL DEFAULT '',
    phone_number      TEXT NOT NULL DEFAULT '',
    role              TEXT NOT NULL,
    created_by_email  TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL
);
CREATE INDEX invites_org ON invites(organization_id, created_at);

CREATE TABLE projects (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX projects_org ON projects(organization_id, created_at);

CREATE TABLE environments (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name        TEXT NOT NULL CHECK (name IN ('sandbox', 'live')),
    settings    TEXT NOT NULL,
    sdk_version TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (project_id, name)
);

CREATE TABLE api_tokens (
    id                   TEXT PRIMARY KEY,
    environment_id       TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    hash                 BLOB NOT NULL UNIQUE,
    checksum             TEXT NOT NULL,
    note                 TEXT NOT NULL DEFAULT '',
    scopes               TEXT NOT NULL DEFAULT '',
    org_wide             INTEGER NOT NULL DEFAULT 0,
    created_by_member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    created_at           TEXT NOT NULL
);
CREATE INDEX api_tokens_env ON api_tokens(environment_id, created_at);
CREATE INDEX api_tokens_member ON api_tokens(created_by_member_id);

CREATE TABLE origins (
    id             TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    origin         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    UNIQUE (environment_id, origin)
);

CREATE TABLE org_mfa_settings (
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    device_type     TEXT NOT NULL,
    enabled_at      TEXT,
    PRIMARY KEY (organization_id, device_type)
);

CREATE TABLE sso_providers (
    id                   TEXT PRIMARY KEY,
    organization_id      TEXT NOT NULL UNIQUE REFERENCES organizations(id) ON DELETE CASCADE,
    client_id            TEXT NOT NULL,
    client_secret_sealed BLOB NOT NULL,
    masked_client_secret TEXT NOT NULL,
    sso_domain           TEXT NOT NULL,
    email_domain         TEXT NOT NULL,
    provider             TEXT NOT NULL,
    redirect_url         TEXT NOT NULL DEFAULT '',
    enforce_only_sso     INTEGER NOT NULL DEFAULT 0,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

CREATE TABLE billing_coupons (
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    coupon          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (organization_id, coupon)
);

CREATE TABLE signing_keys (
    id             TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    algorithm      TEXT NOT NULL,
    public_pem     TEXT NOT NULL,
    private_sealed BLOB NOT NULL,
    created_at     TEXT NOT NULL,
    retired_at     TEXT
);
CREATE UNIQUE INDEX signing_keys_active ON signing_keys(environment_id) WHERE retired_at IS NULL;

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    created_at     TEXT NOT NULL,
    last_visit_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX users_env ON users(environment_id, last_visit_at);

CREATE TABLE visits (
    id             TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    wallet_address TEXT NOT NULL,
    chain          TEXT NOT NULL DEFAULT '',
    provider       TEXT NOT NULL DEFAULT '',
    wallet_name    TEXT NOT NULL DEFAULT '',
    auth_mode      TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL
);
CREATE INDEX visits_env ON visits(environment_id, created_at);
