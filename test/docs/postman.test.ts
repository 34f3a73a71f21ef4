/**
 * The Postman collection: generated from the operation index, nothing to hand-edit, and it runs. newman (Postman's
 * own collection runner) imports it and sends every request to the reference server on 127.0.0.1, with only the
 * three variables set; every answer must be one the contract declares for that operation.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedContract } from '../../src/contract/contract.js';
import { exampleRequest } from '../../src/docs/examples.js';
import { buildPostmanCollection, postmanRequests, type PostmanCollection, type PostmanItem } from '../../src/docs/postman.js';
import { loadConfig } from '../../src/server/config.js';
import { readDemoFixture } from '../../src/server/demo-clients.js';
import { startReferenceServer } from '../../src/server/reference.js';
import type { RunningServer } from '../../src/server/serve.js';

const require = createRequire(import.meta.url);
const full = readDemoFixture().clients.find((c) => c.role === 'full')!;
const collection = buildPostmanCollection(publishedContract, { credentials: { clientId: full.clientId, clientSecret: full.clientSecret } });
const requests = postmanRequests(collection.item);
const operations = [...publishedContract.operations.values()];
const bySummary = new Map(operations.map((op) => [op.summary, op]));

describe('the generated collection', () => {
  it('has one folder per tag and one request per operation, with its method', () => {
    const tags = (publishedContract.document.tags as Array<{ name: string }>).map((t) => t.name);
    expect(collection.item.map((f) => f.name)).toEqual(tags.filter((t) => operations.some((op) => op.tags[0] === t)));
    expect(requests).toHaveLength(operations.length);
    for (const folder of collection.item) {
      for (const item of folder.item!) expect(bySummary.get(item.name)?.tags[0], item.name).toBe(folder.name);
    }
    for (const item of requests) expect(item.request!.method).toBe(bySummary.get(item.name)!.method);
  });

  it('is relative to {{baseUrl}} everywhere: no host is written into a request, the token URL included', () => {
    // A redirect_uri is the demo application's registered address (a value the server compares), not a request's host.
    const text = JSON.stringify([collection.item, collection.auth], (key, value: unknown) =>
      value && typeof value === 'object' && (value as { key?: string }).key === 'redirect_uri' ? '<redirect_uri>' : value,
    );
    expect(text).not.toMatch(/127\.0\.0\.1|localhost|https?:\/\//);
    for (const item of requests) expect(item.request!.url.raw, item.name).toMatch(/^\{\{(baseUrl|origin)\}\}\//);
    const auth = Object.fromEntries(collection.auth.oauth2.map((kv) => [kv.key, kv.value]));
    expect(auth).toMatchObject({
      grant_type: 'client_credentials',
      accessTokenUrl: '{{baseUrl}}/oauth/token',
      clientId: '{{clientId}}',
      clientSecret: '{{clientSecret}}',
    });
    expect(collection.variable.map((v) => v.key)).toEqual(expect.arrayContaining(['baseUrl', 'clientId', 'clientSecret']));
    expect(collection.variable.find((v) => v.key === 'baseUrl')!.value).toBe(publishedContract.document.servers![0]!.url);
  });

  it('sends required parameters, and lists optional ones disabled with the contract example values', () => {
    for (const item of requests) {
      const op = bySummary.get(item.name)!;
      const example = exampleRequest(publishedContract, op);
      const query = item.request!.url.query ?? [];
      for (const q of example.query.filter((p) => !p.deprecated)) {
        const entry = query.find((e) => e.key === q.name && e.value === q.value);
        expect(entry, `${op.id} ?${q.name}`).toBeDefined();
        expect(Boolean(entry!.disabled), `${op.id} ?${q.name} disabled`).toBe(!q.required);
      }
      expect(query.some((e) => e.value === '<string>')).toBe(false);
    }
    const search = requests.find((r) => r.name === publishedContract.operation('searchIndividuals').summary)!;
    expect(search.request!.url.query).toContainEqual(expect.objectContaining({ key: 'name', value: 'santos', disabled: true }));
  });

  it('takes request bodies from the contract examples', () => {
    for (const item of requests) {
      const op = bySummary.get(item.name)!;
      const example = exampleRequest(publishedContract, op);
      if (!example.body || op.id === 'issueToken') continue;
      const body = item.request!.body;
      if (example.body.contentType === 'application/x-www-form-urlencoded') {
        expect(body?.mode, op.id).toBe('urlencoded');
        const fields = (body as { urlencoded: Array<{ key: string; value: string }> }).urlencoded;
        expect(Object.fromEntries(fields.map((f) => [f.key, f.value])), op.id).toEqual(example.body.value);
      } else {
        expect(body?.mode, op.id).toBe('raw');
        expect(JSON.parse((body as { raw: string }).raw), op.id).toEqual(example.body.value);
      }
    }
  });

  it('lets a redirect be the answer (the sign-in form), and authenticates revocation and introspection as the token endpoint does', () => {
    for (const item of requests) {
      const op = bySummary.get(item.name)!;
      const redirects = [...op.responses.keys()].some((s) => s >= 300 && s < 400);
      expect(item.protocolProfileBehavior?.followRedirects, op.id).toBe(redirects ? false : undefined);
    }
    for (const id of ['revokeToken', 'introspectToken']) {
      const item = requests.find((r) => r.name === publishedContract.operation(id).summary)!;
      expect(item.request!.auth?.type, id).toBe('basic');
      expect(item.request!.body, id).toMatchObject({ mode: 'urlencoded', urlencoded: expect.arrayContaining([expect.objectContaining({ key: 'token' })]) });
    }
  });

  it('stays small: a few kilobytes per request', () => {
    expect(JSON.stringify(collection, null, 2).length / requests.length).toBeLessThan(8_000);
  });
});

interface NewmanExecution {
  item: { name: string };
  response?: { code: number; text(): string };
  requestError?: Error;
}
type Newman = {
  run(
    options: Record<string, unknown>,
    callback: (err: Error | null, summary: { run: { executions: NewmanExecution[]; failures: Array<{ error: { message: string } }> } }) => void,
  ): unknown;
};

describe('the collection, run by newman against the reference server', () => {
  let server: RunningServer;
  let executions: NewmanExecution[];
  let failures: string[];

  beforeAll(async () => {
    server = await startReferenceServer(loadConfig({ PORT: '0', SPP_DB: ':memory:' }));
    const newman = require('newman') as Newman;
    // A copy through JSON: what a person imports from the file.
    const imported = JSON.parse(JSON.stringify(collection)) as PostmanCollection;
    const summary = await new Promise<Parameters<Parameters<Newman['run']>[1]>[1]>((resolve, reject) =>
      newman.run({ collection: imported, envVar: [{ key: 'baseUrl', value: server.baseUrl }], reporters: [], timeoutRequest: 20_000 }, (err, s) =>
        err ? reject(err) : resolve(s),
      ),
    );
    executions = summary.run.executions;
    failures = summary.run.failures.map((f) => f.error.message);
  }, 90_000);
  afterAll(async () => {
    await server?.close();
  });

  it('sends every request and each answer is one the contract declares for the operation', () => {
    expect(failures).toEqual([]);
    expect([...new Set(executions.map((e) => e.item.name))].sort()).toEqual(requests.map((r: PostmanItem) => r.name).sort());
    for (const e of executions) {
      const op = bySummary.get(e.item.name)!;
      expect(e.requestError, op.id).toBeUndefined();
      expect([...op.responses.keys()], `${op.id} answered ${e.response?.code}: ${e.response?.text().slice(0, 300)}`).toContain(e.response!.code);
    }
  });

  it('authenticates with the collection variables: no secured request is refused, the reads and searches succeed', () => {
    const status = new Map(executions.map((e) => [bySummary.get(e.item.name)!.id, e.response!.code]));
    for (const [id, code] of status) expect(code, id).not.toBe(401);
    for (const id of [
      'issueToken',
      'getMetadata',
      'getJwks',
      'getAuthorizationServerMetadata',
      'searchIndividuals',
      'readIndividual',
      'searchGroups',
      'searchPrograms',
    ])
      expect(status.get(id), id).toBe(200);
  });
});
