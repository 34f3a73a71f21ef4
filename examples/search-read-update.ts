/**
 * Search Individuals by name, read the first one, and replace it safely with If-Match — the everyday integration
 * loop, with the typed client doing tokens, retries and errors.
 *
 *   npx tsx examples/search-read-update.ts [name] [new-mobile-number]
 *
 * Against `npm start` it needs nothing else (it uses the public demo client `demo-full`); for another
 * deployment set SPP_BASE_URL, SPP_CLIENT_ID and SPP_CLIENT_SECRET.
 *
 * Importable as `runExample(...)`, which returns a summary instead of printing (the tests run it that way).
 */
import { pathToFileURL } from 'node:url';
import { createSppClient, unwrap, type components, type operations } from '@spp-api-kit/client';

type Individual = components['schemas']['Individual'];
type Replacement = NonNullable<operations['updateIndividual']['requestBody']>['content']['application/json'];

export interface ExampleOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  fetch?: (request: Request) => Promise<Response>;
  /** Name to search for (case-insensitive substring). Default `santos`. */
  name?: string;
  /** The mobile number to write into the record. Default `+639170000000`. */
  mobile?: string;
}

export interface ExampleSummary {
  search: { name: string; total: number; identifier: string };
  read: { etag: string; versionId: string };
  update: { etag: string | null; versionId: string; mobile: string };
  tokenRequests: number;
}

/** `{system}|{value}`: how the API addresses a record. */
function pathIdentifier(record: Individual): string {
  const [first] = record.identifier;
  if (!first) throw new Error('the record has no identifier');
  return `${first.system}|${first.value}`;
}

/**
 * A fetched record, with one change, as the body of a full replacement. The server ignores the read-only fields
 * (`meta`, `groupMembership`), so a read record can be sent back as it is.
 */
function withMobile(record: Individual, mobile: string): Replacement {
  const others = (record.telecom ?? []).filter((t) => !(t.system === 'phone' && t.use === 'mobile'));
  // A replacement needs a name; a record read without `_elements` always has one.
  if (!record.name) throw new Error('the record was read without its name');
  return { ...record, name: record.name, telecom: [{ system: 'phone', value: mobile, use: 'mobile' }, ...others] };
}

/** Runs search → read → replace against one deployment and says what happened. */
export async function runExample(options: ExampleOptions): Promise<ExampleSummary> {
  const name = options.name ?? 'santos';
  const mobile = options.mobile ?? '+639170000000';
  const spp = createSppClient({
    baseUrl: options.baseUrl,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    scope: 'individual:search individual:read individual:update',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  const bundle = unwrap(await spp.GET('/Individual', { params: { query: { name, _count: 5 } } }));
  const hit = bundle.entry[0]?.resource;
  if (!hit) throw new Error(`no Individual matches the name '${name}'`);
  const identifier = pathIdentifier(hit);

  const read = await spp.GET('/Individual/{identifier}', { params: { path: { identifier } } });
  const record = unwrap(read);
  // The ETag is the version we read; If-Match makes the write fail (409) if someone changed it since.
  const etag = read.response.headers.get('ETag') ?? `"${record.meta.versionId}"`;

  const put = await spp.PUT('/Individual/{identifier}', {
    params: { path: { identifier }, header: { 'If-Match': etag } },
    body: withMobile(record, mobile),
  });
  const updated = unwrap(put);

  return {
    search: { name, total: bundle.total, identifier },
    read: { etag, versionId: record.meta.versionId },
    update: { etag: put.response.headers.get('ETag'), versionId: updated.meta.versionId, mobile },
    tokenRequests: spp.tokens.requestCount,
  };
}

/** The reference server's public, demo-only client (`npm start` prints it): used when no credentials are set. */
const DEMO_CLIENT = { clientId: 'demo-full', clientSecret: 'demo-secret-full-do-not-deploy-4c8e1f0a9b2d' };

async function main(): Promise<void> {
  const baseUrl = process.env.SPP_BASE_URL ?? 'http://127.0.0.1:8069/api/v2/spp';
  const clientId = process.env.SPP_CLIENT_ID ?? DEMO_CLIENT.clientId;
  const clientSecret = process.env.SPP_CLIENT_SECRET ?? DEMO_CLIENT.clientSecret;
  const [name, mobile] = process.argv.slice(2);
  try {
    const s = await runExample({ baseUrl, clientId, clientSecret, ...(name ? { name } : {}), ...(mobile ? { mobile } : {}) });
    console.log(`Searched name '${s.search.name}': ${s.search.total} match(es); first is ${s.search.identifier}.`);
    console.log(`Read it: version ${s.read.versionId}, ETag ${s.read.etag}.`);
    console.log(`Replaced it with If-Match ${s.read.etag} (mobile ${s.update.mobile}): now version ${s.update.versionId}, ETag ${s.update.etag ?? '(none)'}.`);
    console.log(`Token requests: ${s.tokenRequests}.`);
  } catch (error) {
    // SppApiError and OAuthTokenError messages name the operation and the server's reason, never a secret.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
