import type { Migration } from './index.js';

/**
 * The user flows (issue 19): the authorization code grant with PKCE, refresh tokens, revocation. Clients get a
 * type (a public client has no secret and must use PKCE) and the redirect URIs they registered; users sign in on
 * the authorization page. Codes and refresh tokens are stored as SHA-256 hashes only, like client secrets: a copy
 * of the database lets nobody act as a user.
 */
export const userFlows: Migration = {
  id: 106,
  name: 'core: users, client types and redirect URIs, authorization codes, grants, refresh tokens, revoked access tokens',
  sql: `
    ALTER TABLE api_clients ADD COLUMN client_type TEXT NOT NULL DEFAULT 'confidential' CHECK (client_type IN ('confidential','public'));
    -- A JSON array of absolute URIs, compared as strings with the redirect_uri of an authorization request.
    ALTER TABLE api_clients ADD COLUMN redirect_uris TEXT NOT NULL DEFAULT '[]';

    CREATE TABLE users (
      id INTEGER PRIMARY KEY,
      username TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      password_hash TEXT NOT NULL,
      active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),
      created_at TEXT NOT NULL
    );

    -- One authorization of a client by a user (one exchanged code). Its refresh tokens form one family: revoking
    -- the grant ends every refresh token and access token issued under it.
    CREATE TABLE oauth_grants (
      id TEXT PRIMARY KEY,
      client_row_id INTEGER NOT NULL REFERENCES api_clients(id),
      user_id INTEGER NOT NULL REFERENCES users(id),
      scope TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      revoked_at INTEGER,
      revoked_reason TEXT
    ) WITHOUT ROWID;

    -- One-time codes. grant_id is set when the code is exchanged: a second exchange finds it and revokes the grant.
    CREATE TABLE authorization_codes (
      code_hash TEXT PRIMARY KEY,
      client_row_id INTEGER NOT NULL REFERENCES api_clients(id),
      user_id INTEGER NOT NULL REFERENCES users(id),
      redirect_uri TEXT NOT NULL,
      -- Whether the authorization request named it: then the token request must repeat it (RFC 6749 §4.1.3).
      redirect_uri_sent INTEGER NOT NULL CHECK (redirect_uri_sent IN (0,1)),
      scope TEXT NOT NULL,
      code_challenge TEXT,
      expires_at INTEGER NOT NULL,
      grant_id TEXT REFERENCES oauth_grants(id)
    ) WITHOUT ROWID;
    CREATE INDEX authorization_codes_by_expiry ON authorization_codes(expires_at);

    -- used_at is set when a refresh rotates the token away; presenting it again is reuse.
    CREATE TABLE refresh_tokens (
      token_hash TEXT PRIMARY KEY,
      grant_id TEXT NOT NULL REFERENCES oauth_grants(id),
      expires_at INTEGER NOT NULL,
      used_at INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX refresh_tokens_by_grant ON refresh_tokens(grant_id);

    -- Access tokens revoked one by one (RFC 7009), kept until they would have expired anyway.
    CREATE TABLE revoked_access_tokens (
      jti TEXT PRIMARY KEY,
      expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
  `,
};
