-- Two-step sign-in. A user's authenticator secret, sealed with the portal's key (never the
-- database's: see src/sealed.rs), is kept from the moment setup starts; confirmed_at is set
-- by the first good code, and only then does the sign-in ask for codes. last_used_step is
-- the newest time step whose code was accepted: a code is good once.
CREATE TABLE two_step_secrets (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed TEXT NOT NULL,
    confirmed_at TIMESTAMP,
    last_used_step BIGINT,
    created_at TIMESTAMP NOT NULL
);

-- Single-use recovery codes, as salted SHA-256 hashes; used_at marks a code spent.
CREATE TABLE two_step_recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    PRIMARY KEY (user_id, code_hash)
);
