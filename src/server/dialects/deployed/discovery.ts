/**
 * The deployed dialect's public operations: `/metadata` in the module's shape (derived from its contract: each
 * resource's operations and search parameters; the extension blocks the registry knows), its OpenAPI document and
 * its documentation page.
 */
import { deployedContract } from '../../../contract/contract.js';
import type { DeployedRouteTable } from '../../../contract/route-table.js';
import type { ServerContext } from '../../context.js';
import { extensionCatalogue } from '../../discovery/capability.js';
import { docsPage } from '../../discovery/docs-page.js';
import { RESOURCE_TYPES } from '../../registry/types.js';

type DiscoveryHandlers = Pick<DeployedRouteTable<ServerContext>, 'getMetadata' | 'getOpenApiDocument' | 'getApiDocs'>;

/** What `/metadata` calls each operation of a resource (the module lists read, search, create, update, patch). */
const CAPABILITY: Record<string, string> = { GET: 'read', POST: 'create', PUT: 'update', PATCH: 'patch' };

function resources(): Record<string, { operations: string[]; searchParams: string[] }> {
  const out: Record<string, { operations: string[]; searchParams: string[] }> = {};
  for (const type of RESOURCE_TYPES) {
    const operations = new Set<string>();
    let searchParams: string[] = [];
    for (const op of deployedContract.operations.values()) {
      if (op.pathTemplate === `/${type}` && op.method === 'GET') {
        operations.add('search');
        searchParams = op.parameters.filter((p) => p.in === 'query' && !p.name.startsWith('_')).map((p) => p.name);
      } else if (op.pathTemplate === `/${type}` && op.method === 'POST') operations.add('create');
      else if (op.pathTemplate === `/${type}/{identifier}`) operations.add(CAPABILITY[op.method]!);
    }
    out[type] = { operations: ['read', 'search', 'create', 'update', 'patch'].filter((o) => operations.has(o)), searchParams };
  }
  return out;
}

export function deployedDiscovery(basePath: string, version: string): DiscoveryHandlers {
  const metadata = {
    name: 'OpenSPP API',
    version,
    resources: resources(),
    extensions: extensionCatalogue().map(({ url, module, appliesTo, fields }) => ({ url, module, appliesTo, fields: fields.map((name) => ({ name })) })),
    authentication: { type: 'oauth2' as const, tokenEndpoint: `${basePath}/oauth/token`, grantTypes: ['client_credentials'] },
    docs: `${basePath}/docs`,
  };
  return {
    getMetadata: () => ({ status: 200, body: metadata }),
    getOpenApiDocument: () => ({ status: 200, body: deployedContract.document as never }),
    getApiDocs: async () => ({ status: 200, body: await docsPage('deployed') }),
  };
}
