import { describe, expect, it } from 'vitest';
import { honoPath } from '../../src/contract/operations.js';
import { isPublic, operationIndex, scopeCatalogue, scopesAllow, type OperationId } from '../../src/contract/index.js';
import { contractValidator } from '../../src/contract/index.js';

const RESOURCES = [
  ['Individual', 'individual', 'Individuals'],
  ['Group', 'group', 'Groups'],
  ['Program', 'program', 'Programs'],
  ['ProgramMembership', 'program_membership', 'ProgramMemberships'],
] as const;

const PUBLIC_OPERATIONS = [
  'issueToken',
  'getMetadata',
  'getOpenApiDocument',
  'getApiDocs',
  'getJwks',
  'getAuthorizationServerMetadata',
  // The user flows (issue 19): the sign-in page and form, revocation and introspection authenticate their callers themselves.
  'authorize',
  'authorizeDecision',
  'revokeToken',
  'introspectToken',
];

describe('operation index', () => {
  it('holds every operation the published API V2 needs (seed 001, the published guide, discovery), each once', () => {
    const expected = [
      ...PUBLIC_OPERATIONS,
      'processBatch',
      ...RESOURCES.flatMap(([T, , plural]) => [`search${plural}`, `create${T}`, `conditionalUpdate${T}`, `read${T}`, `update${T}`]),
      'patchGroupMember',
      ...['readConsent', 'revokeConsent', 'deleteConsent', 'readConsentReceipt', 'readConsentHistory', 'readConsentAccessSummary'],
    ];
    expect([...operationIndex.keys()].sort()).toEqual(expected.sort());
  });

  it('places every operation under /api/v2/spp, except RFC 8414 metadata which sits at the host root (§3.1)', () => {
    for (const op of operationIndex.values()) {
      if (op.id === 'getAuthorizationServerMetadata') expect(op.fullPath).toBe('/.well-known/oauth-authorization-server/api/v2/spp');
      else expect(op.fullPath.startsWith('/api/v2/spp/')).toBe(true);
    }
    expect(honoPath(operationIndex.get('readIndividual')!)).toBe('/api/v2/spp/Individual/:identifier');
    expect(operationIndex.get('processBatch')!.fullPath).toBe('/api/v2/spp/$batch');
  });

  it('maps every resource operation to its resource:action scope, with resource:all as the alternative', () => {
    const actionOf: Record<string, string[]> = {
      search: ['search'],
      create: ['create'],
      conditionalUpdate: ['update', 'create'],
      read: ['read'],
      update: ['update'],
    };
    for (const [T, res, plural] of RESOURCES) {
      for (const [prefix, actions] of Object.entries(actionOf)) {
        const id = (prefix === 'search' ? `search${plural}` : `${prefix}${T}`) as OperationId;
        const op = operationIndex.get(id)!;
        expect(op.security, id).toEqual([actions.map((a) => `${res}:${a}`), [`${res}:all`]]);
      }
    }
  });

  it('uses only scopes of the catalogue, and the catalogue is resource:action for 4 resources × 6 actions, plus consent read/delete/all', () => {
    expect(scopeCatalogue.size).toBe(27);
    for (const scope of scopeCatalogue.keys()) {
      expect(scope).toMatch(/^((individual|group|program|program_membership):(read|search|create|update|delete|all)|consent:(read|delete|all))$/);
    }
    for (const op of operationIndex.values()) for (const alt of op.security) for (const s of alt) expect(scopeCatalogue.has(s), `${op.id}: ${s}`).toBe(true);
  });

  it('marks the token, discovery and key endpoints public and $batch as "any valid token"', () => {
    for (const op of operationIndex.values()) expect(isPublic(op), op.id).toBe(PUBLIC_OPERATIONS.includes(op.id));
    expect(operationIndex.get('processBatch')!.security).toEqual([[]]);
  });

  it('declares 401 (with WWW-Authenticate), 403 and 429 with OperationOutcome bodies on every secured operation', () => {
    for (const op of operationIndex.values()) {
      if (isPublic(op)) continue;
      for (const status of [401, 403, 429]) {
        const r = op.responses.get(status);
        expect(r, `${op.id} ${status}`).toBeDefined();
        const outcome = {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'login', details: { coding: [{ system: 'urn:openspp:error', code: 'INVALID_TOKEN' }], text: 'x' } }],
        };
        expect(contractValidator.schema(r!.content['application/json']!, `t:${op.id}:${status}`)(outcome)).toBe(true);
      }
      expect(op.responses.get(401)!.headers['WWW-Authenticate']?.required).toBe(true);
      expect(op.responses.get(429)!.headers['Retry-After']?.required).toBe(true);
    }
  });

  it('gives the token endpoint RFC 6749 errors and lists its client authentication methods', () => {
    const token = operationIndex.get('issueToken')!;
    expect(token.errorStyle).toBe('oauth2');
    expect(token.extensions['x-token-endpoint-auth-methods']).toEqual(['client_secret_basic', 'client_secret_post', 'client_secret_json', 'none']);
    expect(Object.keys(token.requestBody!.content).sort()).toEqual(['application/json', 'application/x-www-form-urlencoded']);
    expect(token.responses.get(200)!.headers['Cache-Control']?.required).toBe(true);
    expect(token.responses.get(401)!.headers['WWW-Authenticate']?.required).toBe(true);
  });
});

describe('scopesAllow', () => {
  const read = operationIndex.get('readIndividual')!;
  const upsert = operationIndex.get('conditionalUpdateGroup')!;
  it('allows a token holding one whole alternative', () => {
    expect(scopesAllow(read, new Set(['individual:read']))).toBe(true);
    expect(scopesAllow(read, new Set(['individual:all']))).toBe(true);
    expect(scopesAllow(upsert, new Set(['group:update', 'group:create']))).toBe(true);
  });
  it("refuses partial alternatives and other resources' scopes (no cross-resource wildcard)", () => {
    expect(scopesAllow(read, new Set(['individual:search']))).toBe(false);
    expect(scopesAllow(read, new Set(['group:all', 'individual:create']))).toBe(false);
    expect(scopesAllow(upsert, new Set(['group:update']))).toBe(false);
    expect(scopesAllow(upsert, new Set([]))).toBe(false);
  });
  it('allows any token on $batch (each entry is checked on its own) and anyone on public operations', () => {
    expect(scopesAllow(operationIndex.get('processBatch')!, new Set())).toBe(true);
    expect(scopesAllow(operationIndex.get('getMetadata')!, new Set())).toBe(true);
  });
});
