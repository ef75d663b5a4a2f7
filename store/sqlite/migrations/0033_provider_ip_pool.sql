-- The IP pool a SendGrid email provider sends from (sendgridIpPoolName).
ALTER TABLE social_providers ADD COLUMN sendgrid_ip_pool_name TEXT NOT NULL DEFAULT '';
