/**
 * The capability statement of GET /metadata, generated from the contract (resources, operations, search
 * parameters, scopes) and the live configuration (limits, algorithms, URLs) — never kept by hand.
 */
import { publishedContract } from '../../contract/contract.js';
import type { OperationSpec } from '../../contract/operations.js';
import type { components } from '../../contract/generated/types.js';
import type { ServerConfig } from '../config.js';
import { LEGAL_BASES } from '../clients/repository.js';
import { CONTROL_PARAMETERS } from '../registry/search/specs.js';

type CapabilityStatement = components['schemas']['CapabilityStatement'];
type ResourceCapability = components['schemas']['ResourceCapability'];
type Operation = ResourceCapability['operations'][number];

const RESOURCE_TYPES = ['Individual', 'Group', 'Program', 'ProgramMembership', 'Consent'] as const;
const CONTROL: ReadonlySet<string> = new Set(CONTROL_PARAMETERS);

/** Which capability an operation of a resource is, from its method and path shape. */
function capabilityOf(op: OperationSpec, type: string): Operation | undefined {
  const [, first, id, rest, more] = op.pathTemplate.split('/');
  if (first !== type) return undefined;
  if (id === undefined) return ({ GET: 'search', POST: 'create', PUT: 'conditional-update' } as const)[op.method as 'GET'];
  if (rest === undefined) return ({ GET: 'read', PUT: 'update', DELETE: 'delete' } as const)[op.method as 'GET'];
  if (rest === 'member' && more && op.method === 'PATCH') return 'patch-member';
  const named = rest.startsWith('$') ? rest.slice(1) : undefined;
  return (['revoke', 'receipt', 'history', 'access-summary'] as const).find((n) => n === named);
}

/** The extension blocks the contract defines (schemas carrying `x-extension`), with their fields. */
export function extensionCatalogue(): CapabilityStatement['extension'] {
  const out: CapabilityStatement['extension'] = [];
  for (const schema of Object.values(publishedContract.document.components.schemas)) {
    const s = schema as {
      'x-extension'?: { name: string; module: string; appliesTo: Array<'Individual' | 'Group'> };
      properties?: { url?: { const?: string } } & Record<string, unknown>;
    };
    const x = s['x-extension'];
    if (!x) continue;
    out.push({
      name: x.name,
      url: s.properties?.url?.const ?? '',
      module: x.module,
      appliesTo: x.appliesTo,
      fields: Object.keys(s.properties ?? {}).filter((f) => f !== 'url'),
    });
  }
  return out;
}

function resourceCapability(type: string): ResourceCapability {
  const operations: Operation[] = [];
  const scopes: Record<string, string[]> = {};
  let searchParams: string[] = [];
  for (const op of publishedContract.operations.values()) {
    const capability = capabilityOf(op, type);
    if (!capability) continue;
    operations.push(capability);
    scopes[capability] = op.security.map((alt) => alt.join(' '));
    if (capability === 'search') searchParams = op.parameters.filter((p) => p.in === 'query' && !CONTROL.has(p.name)).map((p) => p.name);
  }
  const order: Operation[] = [
    'read',
    'search',
    'create',
    'update',
    'conditional-update',
    'patch-member',
    'revoke',
    'delete',
    'receipt',
    'history',
    'access-summary',
  ];
  return { operations: order.filter((o) => operations.includes(o)), searchParams, scopes };
}

export function capabilityStatement(config: ServerConfig, software: { name: string; version: string }): CapabilityStatement {
  const path = (id: string) => publishedContract.operation(id).fullPath;
  const consentSchema = publishedContract.document.components.schemas.CapabilityStatement as {
    properties: { consent: { properties: { resourceTypes: { items: { enum: string[] } } } } };
  };
  return {
    name: 'OpenSPP API',
    version: publishedContract.document.info.version,
    software,
    resources: Object.fromEntries(RESOURCE_TYPES.map((t) => [t, resourceCapability(t)])) as CapabilityStatement['resources'],
    extension: extensionCatalogue(),
    authentication: {
      type: 'oauth2',
      tokenEndpoint: path('issueToken'),
      grantTypes: ['client_credentials', 'authorization_code', 'refresh_token'],
      tokenEndpointAuthMethods: publishedContract.operation('issueToken').extensions[
        'x-token-endpoint-auth-methods'
      ] as CapabilityStatement['authentication']['tokenEndpointAuthMethods'],
      signingAlgorithms: [config.jwt.algorithm],
      tokenLifetime: config.tokenLifetime,
      issuer: config.issuer,
      jwksUri: path('getJwks'),
      authorizationServerMetadata: path('getAuthorizationServerMetadata'),
      authorizationEndpoint: path('authorize'),
      revocationEndpoint: path('revokeToken'),
      introspectionEndpoint: path('introspectToken'),
    },
    scopes: [...publishedContract.scopes].map(([scope, description]) => ({ scope, description })),
    rateLimits: {
      token: { key: 'ip', perMinute: config.tokenRateLimit.perMinute, perDay: config.tokenRateLimit.perDay },
      api: { key: 'client', perMinute: config.apiRateLimit.perMinute, perDay: config.apiRateLimit.perDay },
    },
    consent: {
      legalBases: [...LEGAL_BASES],
      consentRequiredFor: ['consent'],
      resourceTypes: consentSchema.properties.consent.properties.resourceTypes.items.enum as CapabilityStatement['consent']['resourceTypes'],
    },
    batch: batchLimits(),
    links: { openapi: path('getOpenApiDocument'), docs: path('getApiDocs') },
    docs: path('getApiDocs'),
  };
}

/** The $batch limits as the contract states them (BatchBundle: entry.maxItems, and the transaction variant's). */
export function batchLimits(): { maxBatchEntries: number; maxTransactionEntries: number } {
  const schema = publishedContract.document.components.schemas.BatchBundle as {
    properties: { entry: { maxItems: number } };
    anyOf: Array<{ properties: { type: { const: string }; entry?: { maxItems: number } } }>;
  };
  const transaction = schema.anyOf.find((v) => v.properties.type.const === 'transaction');
  return {
    maxBatchEntries: schema.properties.entry.maxItems,
    maxTransactionEntries: transaction?.properties.entry?.maxItems ?? schema.properties.entry.maxItems,
  };
}
