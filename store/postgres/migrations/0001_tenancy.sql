-- Tenancy: organizations, members, projects, environments, API tokens,
-- origins, signing keys, plus the user and visit rows statistics count.
-- PostgreSQL twin of store/sqlite/migrations/0001_tenancy.sql: same
-- tables and constraints; times are timestamptz (millisecond precision,
-- truncated by the store), JSON is jsonb, flags are boolean.
CREATE TABLE meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE organizations (
    id                      text PRIMARY KEY,
    name                    text NOT NULL,
    description             text NOT NULL DEFAULT '',
    website_url             text NOT NULL DEFAULT '',
    implementation_timeline text NOT NULL DEFAULT '',
    address_line1           text NOT NULL DEFAULT '',
    address_line2           text NOT NULL DEFAULT '',
    city                    text NOT NULL DEFAULT '',
    region                  text NOT NULL DEFAULT '',
    postal_code             text NOT NULL DEFAULT '',
    country                 text NOT NULL DEFAULT '',
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL
);

CREATE TABLE dashboard_users (
    id                text PRIMARY KEY,
    alias             text NOT NULL DEFAULT '',
    email             text NOT NULL DEFAULT '',
    first_name        text NOT NULL DEFAULT '',
    last_name         text NOT NULL DEFAULT '',
    wallet_public_key text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL
);
CREATE INDEX dashboard_users_email ON dashboard_users(email);

CREATE TABLE members (
    id              text PRIMARY KEY,
    organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id         text NOT NULL REFERENCES dashboard_users(id),
    role            text NOT NULL CHECK (role IN ('owner', 'admin', 'developer', 'viewer')),
    created_at      timestamptz NOT NULL,
    UNIQUE (organization_id, user_id)
);
CREATE INDEX members_user ON members(user_id);

CREATE TABLE invites (
    id                text PRIMARY KEY,
    organization_id   text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    status            text NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
    email             text NOT NULL DEFAULT '',
    alias             text NOT NULL DEFAULT '',
    wallet_public_key text NOT NULL DEFAULT '',
    phone_number      text NOT NULL DEFAULT '',
    role              text NOT NULL,
    created_by_email  text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL
);
CREATE INDEX invites_org ON invites(organization_id, created_at);

CREATE TABLE projects (
    id              text PRIMARY KEY,
    organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name            text NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX projects_org ON projects(organization_id, created_at);

CREATE TABLE environments (
    id          text PRIMARY KEY,
    project_id  text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (name IN ('sandbox', 'live')),
    settings    jsonb NOT NULL,
    sdk_version text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (project_id, name)
);

CREATE TABLE api_tokens (
    id                   text PRIMARY KEY,
    environment_id       text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    hash                 bytea NOT NULL UNIQUE,
    checksum             text NOT NULL,
    note                 text NOT NULL DEFAULT '',
    scopes               text NOT NULL DEFAULT '',
    org_wide             boolean NOT NULL DEFAULT false,
    created_by_member_id text NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    created_at           timestamptz NOT NULL
);
CREATE INDEX api_tokens_env ON api_tokens(environment_id, created_at);
CREATE INDEX api_tokens_member ON api_tokens(created_by_member_id);

CREATE TABLE origins (
    id             text PRIMARY KEY,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    origin         text NOT NULL,
    created_at     timestamptz NOT NULL,
    UNIQUE (environment_id, origin)
);

CREATE TABLE org_mfa_settings (
    organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    device_type     text NOT NULL,
    enabled_at      timestamptz,
    PRIMARY KEY (organization_id, device_type)
);

CREATE TABLE sso_providers (
    id                   text PRIMARY KEY,
    organization_id      text NOT NULL UNIQUE REFERENCES organizations(id) ON DELETE CASCADE,
    client_id            text NOT NULL,
    client_secret_sealed bytea NOT NULL,
    masked_client_secret text NOT NULL,
    sso_domain           text NOT NULL,
    email_domain         text NOT NULL,
    provider             text NOT NULL,
    redirect_url         text NOT NULL DEFAULT '',
    enforce_only_sso     boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);

CREATE TABLE billing_coupons (
    organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    coupon          text NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (organization_id, coupon)
);

CREATE TABLE signing_keys (
    id             text PRIMARY KEY,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    algorithm      text NOT NULL,
    public_pem     text NOT NULL,
    private_sealed bytea NOT NULL,
    created_at     timestamptz NOT NULL,
    retired_at     timestamptz
);
CREATE UNIQUE INDEX signing_keys_active ON signing_keys(environment_id) WHERE retired_at IS NULL;
CREATE INDEX signing_keys_env ON signing_keys(environment_id, created_at);

CREATE TABLE users (
    id             text PRIMARY KEY,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL,
    last_visit_at  timestamptz NOT NULL
);
CREATE INDEX users_env ON users(environment_id, last_visit_at);

CREATE TABLE visits (
    id             text PRIMARY KEY,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    wallet_address text NOT NULL,
    chain          text NOT NULL DEFAULT '',
    provider       text NOT NULL DEFAULT '',
    wallet_name    text NOT NULL DEFAULT '',
    auth_mode      text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL
);
CREATE INDEX visits_env ON visits(environment_id, created_at);
