-- An environment token was credited to the membership its minting token
-- was made under, which may be of another organization: removing its
-- operator from the token's own organization left it working. Credit it
-- to the same person's membership of the token's organization, and revoke
-- it where they have none (removed already). Organization-wide tokens are
-- made under their operator's own membership.
UPDATE api_tokens SET created_by_member_id = (
    SELECT mine.id FROM members theirs, environments e, projects p, members mine
    WHERE theirs.id = api_tokens.created_by_member_id AND e.id = api_tokens.environment_id
      AND p.id = e.project_id AND mine.organization_id = p.organization_id AND mine.user_id = theirs.user_id)
WHERE NOT org_wide AND EXISTS (
    SELECT 1 FROM members theirs, environments e, projects p, members mine
    WHERE theirs.id = api_tokens.created_by_member_id AND e.id = api_tokens.environment_id
      AND p.id = e.project_id AND theirs.organization_id <> p.organization_id
      AND mine.organization_id = p.organization_id AND mine.user_id = theirs.user_id);
DELETE FROM api_tokens WHERE NOT org_wide AND NOT EXISTS (
    SELECT 1 FROM members m, environments e, projects p
    WHERE m.id = api_tokens.created_by_member_id AND e.id = api_tokens.environment_id
      AND p.id = e.project_id AND m.organization_id = p.organization_id);
