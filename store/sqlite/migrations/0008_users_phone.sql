-- Users().FindByPhone looks a user up by phone number through this index.
CREATE INDEX users_env_phone ON users(environment_id, phone_number, created_at) WHERE phone_number <> '';
