import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/server/config.js';
import { keyFile } from './harness.js';

const expectConfigError = (env: Record<string, string>, message: RegExp) => {
  let error: unknown;
  try {
    loadConfig(env);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toMatch(message);
  expect((error as Error).message).not.toContain('\n');
};

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8069,
      basePath: '/api/v2/spp',
      tokenLifetime: 3600,
      issuer: 'http://127.0.0.1:8069/api/v2/spp',
      trustProxy: false,
      allowQueryCredentials: false,
      demo: true,
    });
    expect(c.tokenRateLimit).toEqual({ perMinute: 5, perDay: 50 });
    expect(c.apiRateLimit).toEqual({ perMinute: 60, perDay: 10000 });
    expect(c.jwt.algorithm).toBe('HS256');
  });
  it('BCP-04: refuses a short JWT secret', () => expectConfigError({ OPENSPP_JWT_SECRET: 'short-secret' }, /too short \(12 bytes\)/));
  it('BCP-04: refuses a long but repetitive JWT secret', () => expectConfigError({ OPENSPP_JWT_SECRET: 'ab'.repeat(40) }, /too predictable/));
  it('accepts a random JWT secret', () => {
    expect(loadConfig({ OPENSPP_JWT_SECRET: 'q8W2zP0xN4vR7tK1mB6yC3hJ9dF5gL0sA2eU8iO4' }).jwt.secret).toBeDefined();
  });
  it('refuses a bad port', () => expectConfigError({ PORT: '80a' }, /PORT must be a whole number/));
  it('refuses a port out of range', () => expectConfigError({ PORT: '70000' }, /PORT must be between 0 and 65535/));
  it('refuses an unknown algorithm', () => expectConfigError({ SPP_JWT_ALG: 'HS512' }, /SPP_JWT_ALG must be/));
  it('refuses ES256 without a key file, with an unreadable one, and with one that is not a key', () => {
    expectConfigError({ SPP_JWT_ALG: 'ES256' }, /needs SPP_JWT_KEY_FILE/);
    expectConfigError({ SPP_JWT_ALG: 'ES256', SPP_JWT_KEY_FILE: '/nonexistent/key.pem' }, /cannot read SPP_JWT_KEY_FILE \/nonexistent\/key.pem: ENOENT/);
    const junk = join(tmpdir(), `junk-${process.pid}.pem`);
    writeFileSync(junk, 'hello');
    expectConfigError({ SPP_JWT_ALG: 'ES256', SPP_JWT_KEY_FILE: junk }, /is not a PKCS#8 PEM private key/);
  });
  it('reads a key file', () => {
    expect(loadConfig({ SPP_JWT_ALG: 'RS256', SPP_JWT_KEY_FILE: keyFile('RS256').path }).jwt.privateKeyPem).toContain('BEGIN PRIVATE KEY');
  });
  it('refuses a malformed boolean', () => expectConfigError({ SPP_TRUST_PROXY: 'maybe' }, /SPP_TRUST_PROXY must be true or false/));
});
