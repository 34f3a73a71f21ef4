/**
 * The kit's user-flow checks against the reference server: they pass under the openspp profile (the contract)
 * and under the spry profile (Spry's conventions reported, not required); nothing secret reaches a report; the
 * interactive user step works with a person at a browser (here, a scripted one); a target file that cannot work
 * is refused up front, and a user who cannot sign in makes the checks skip, not fail.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allChecks } from '../../src/conformance/checks/index.js';
import { runConformance, type RunOutcome } from '../../src/conformance/runner.js';
import { containsFullJwt } from '../../src/conformance/mask.js';
import { TargetError } from '../../src/conformance/target.js';
import { createClient } from '../../src/server/clients/repository.js';
import { readDemoUsers } from '../../src/server/demo-users.js';
import type { RunningServer } from '../../src/server/serve.js';
import { freePort, startUserFlowReference, USER_FLOW_CHECKS, USER_FLOW_RFC_REQUIREMENTS, userFlowsTarget } from './user-flows-harness.js';

let server: RunningServer;
let openspp: RunOutcome;
const dir = mkdtempSync(join(tmpdir(), 'spp-kit-user-flows-'));
const reports = { json: join(dir, 'report.json'), html: join(dir, 'report.html'), junit: join(dir, 'junit.xml') };

beforeAll(async () => {
  server = await startUserFlowReference();
  openspp = await runConformance({ target: userFlowsTarget(server.baseUrl), only: USER_FLOW_CHECKS, ...reports, out: () => {} });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

const notPassed = (o: RunOutcome) =>
  o.report!.checks.filter((c) => c.verdict !== 'pass' && c.verdict !== 'na').map((c) => `${c.checkId} ${c.verdict}: ${c.reason}`);

describe('the reference server under the openspp profile', () => {
  it('passes every user-flow check, each deciding its requirement', () => {
    expect(notPassed(openspp)).toEqual([]);
    expect(openspp.exitCode).toBe(0);
    const userFlowChecks = allChecks.filter((c) => c.suite === 'user-flows').map((c) => c.id);
    const ran = openspp.report!.checks.filter((c) => c.verdict === 'pass').map((c) => c.checkId);
    // Everything but Spry's conventions, which the openspp profile rules out.
    expect(ran.sort()).toEqual(userFlowChecks.filter((id) => !id.startsWith('spry-')).sort());
    const verdict = new Map(openspp.report!.requirements.map((r) => [r.id, r.verdict]));
    for (const id of USER_FLOW_RFC_REQUIREMENTS) expect(verdict.get(id), id).toBe('pass');
    for (const id of ['OSPP-UF-01', 'OSPP-UF-02', 'OSPP-UF-03', 'OSPP-CT-01']) expect(verdict.get(id), id).toBe('pass');
  });

  it('validates the pages, redirects, revocation and introspection answers against the contract (OSPP-CT-01)', () => {
    const operations = new Set(openspp.report!.checks.flatMap((c) => c.exchanges.map((e) => e.operation)).filter(Boolean));
    for (const op of ['authorize', 'authorizeDecision', 'issueToken', 'revokeToken', 'introspectToken']) expect(operations.has(op), op).toBe(true);
  });

  it('puts no password, client secret, code, refresh token or whole access token in any report', () => {
    const { users, clients } = readDemoUsers();
    const secrets = [...users.map((u) => u.password), ...clients.flatMap((c) => (c.clientSecret ? [c.clientSecret] : []))];
    for (const [name, file] of Object.entries(reports)) {
      const text = readFileSync(file, 'utf8');
      for (const s of secrets) expect(text.includes(s), `${name} holds a secret`).toBe(false);
      expect(containsFullJwt(text), `${name} holds a whole JWT`).toBe(false);
      expect(text, `${name} holds a code`).not.toMatch(/[?&]code=[A-Za-z0-9_-]{20}/);
      expect(text, `${name} holds a refresh token`).not.toMatch(/refresh_token(\\?"\s*:\s*\\?"|=)[A-Za-z0-9_-]{20}/);
    }
  });
});

describe('the reference server under the spry profile', () => {
  it("passes the user flows and reports, without failing, that it has neither Spry's scopes nor its token members", async () => {
    const o = await runConformance({ target: userFlowsTarget(server.baseUrl), profile: 'spry', only: USER_FLOW_CHECKS, out: () => {} });
    expect(o.exitCode).toBe(0);
    const warned = o.report!.checks.filter((c) => c.verdict === 'warn');
    expect(warned.map((c) => c.checkId).sort()).toEqual(['spry-scopes', 'spry-token-members']);
    expect(warned.find((c) => c.checkId === 'spry-token-members')!.reason).toMatch(
      /organisation_id absent; user_id absent; roles absent; clinic_id_list absent; name absent/,
    );
    expect(warned.find((c) => c.checkId === 'spry-scopes')!.reason).toMatch(/400 invalid_scope/);
    expect(o.report!.checks.filter((c) => c.verdict === 'fail' || c.verdict === 'skip')).toEqual([]);
    // What the spry profile leaves out, with its reason.
    const na = new Map(o.report!.checks.filter((c) => c.verdict === 'na').map((c) => [c.checkId, c.reason]));
    expect(na.get('pkce-plain-refused')).toMatch(/RFC 7636 allows the plain method/);
    expect(na.get('authcode-iss')).toMatch(/RFC 9207/);
  }, 120_000);
});

describe('the interactive user step', () => {
  it('prints each authorization URL, and takes the browser redirect on the loopback redirect URI', async () => {
    const [webPort, spaPort] = [await freePort(), await freePort()];
    createClient(server.db, {
      name: 'Interactive test web app',
      organization: 'dswd',
      legalBasis: 'public_task',
      scopes: ['individual:read', 'individual:search'],
      redirectUris: [`http://127.0.0.1:${webPort}/callback`],
      fixedCredentials: { clientId: 'kit-interactive-web', clientSecret: 'kit-interactive-web-secret-2c7e9a4f1b8d3065' },
    });
    createClient(server.db, {
      name: 'Interactive test browser app',
      organization: 'dswd',
      legalBasis: 'public_task',
      scopes: ['individual:read', 'individual:search'],
      clientType: 'public',
      redirectUris: [`http://127.0.0.1:${spaPort}/callback`],
      fixedCredentials: { clientId: 'kit-interactive-spa' },
    });
    const target = userFlowsTarget(server.baseUrl, {
      userFlows: {
        scope: 'individual:read individual:search',
        clients: {
          confidential: {
            clientId: 'kit-interactive-web',
            clientSecret: 'kit-interactive-web-secret-2c7e9a4f1b8d3065',
            redirectUri: `http://127.0.0.1:${webPort}/callback`,
          },
          public: { clientId: 'kit-interactive-spa', redirectUri: `http://127.0.0.1:${spaPort}/callback` },
        },
        interactive: true,
        waitSeconds: 60,
      },
    });
    // The person at the browser: opens the printed URL, signs in as Maria, allows; the browser follows the redirect.
    const maria = readDemoUsers().users[0]!;
    const visits: string[] = [];
    const person = async (url: string) => {
      const page = await fetch(url);
      const html = await page.text();
      const hidden = [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(([, k, v]) => [
        k!,
        v!
          .replace(/&amp;/g, '&')
          .replace(/&quot;/g, '"')
          .replace(/&#39;/g, "'")
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>'),
      ]);
      const form = new URLSearchParams([...hidden, ['username', maria.username], ['password', maria.password], ['decision', 'allow']] as Array<
        [string, string]
      >);
      const answer = await fetch(`${server.baseUrl}/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' });
      visits.push(url);
      await fetch(answer.headers.get('location')!);
    };
    const lines: string[] = [];
    const o = await runConformance({
      target,
      only: ['authcode-exchange', 'authcode-state', 'authcode-redirect-uri-exact', 'refresh-rotation-public'],
      out: (line) => {
        lines.push(line);
        const asked = /sign in with a browser within 60 s: (\S+)/.exec(line)?.[1];
        if (asked) void person(asked);
      },
    });
    expect(notPassed(o)).toEqual([]);
    expect(o.exitCode).toBe(0);
    // One sign-in per fresh authorization; the unregistered redirect URIs were refused before anyone was asked.
    expect(visits.length).toBe(3);
    expect(lines.filter((l) => l.includes('sign in with a browser')).length).toBe(3);
    const exact = o.report!.checks.find((c) => c.checkId === 'authcode-redirect-uri-exact')!;
    expect(exact.assertions.filter((a) => a.requirement === 'AZ-03').map((a) => a.message)).toEqual([
      'a path appended (prefix match): not redirected there (stopped at a page: the authorization server answered 400)',
      'a query parameter added: not redirected there (stopped at a page: the authorization server answered 400)',
    ]);
  }, 120_000);

  it('makes a check inconclusive, not failed, when nobody signs in within waitSeconds', async () => {
    const port = await freePort();
    createClient(server.db, {
      name: 'Nobody signs in',
      organization: 'dswd',
      legalBasis: 'public_task',
      scopes: ['individual:read'],
      redirectUris: [`http://127.0.0.1:${port}/callback`],
      fixedCredentials: { clientId: 'kit-nobody', clientSecret: 'kit-nobody-secret-9d2b7f4e1a6c3058' },
    });
    const target = userFlowsTarget(server.baseUrl, {
      userFlows: {
        clients: {
          confidential: { clientId: 'kit-nobody', clientSecret: 'kit-nobody-secret-9d2b7f4e1a6c3058', redirectUri: `http://127.0.0.1:${port}/callback` },
        },
        interactive: true,
        waitSeconds: 5,
      },
    });
    const o = await runConformance({ target, only: ['authcode-state'], out: () => {} });
    const check = o.report!.checks.find((c) => c.checkId === 'authcode-state')!;
    expect(check.verdict).toBe('inconclusive');
    expect(check.reason).toMatch(/no browser arrived at http:\/\/127\.0\.0\.1:\d+\/callback within 5 s/);
  }, 60_000);
});

describe('target files and users the kit cannot work with', () => {
  it('refuses an interactive section whose redirect URI is not a loopback address', () => {
    expect(() =>
      userFlowsTarget('http://127.0.0.1:9/api/v2/spp', {
        userFlows: { clients: { public: { clientId: 'x', redirectUri: 'https://app.example/cb' } }, interactive: true },
      }),
    ).toThrow(TargetError);
    expect(() => userFlowsTarget('http://127.0.0.1:9/api/v2/spp', { userFlows: { clients: {} } })).toThrow(/userFlows/);
  });

  it('a wrong password makes the checks that need a grant skip, saying why, and fails nothing', async () => {
    const base = userFlowsTarget(server.baseUrl);
    const target = { ...base, userFlows: { ...base.userFlows!, user: { ...base.userFlows!.user!, password: 'not-marias-password' } } };
    const o = await runConformance({ target, only: ['authcode-exchange', 'refresh-grant'], out: () => {} });
    // The requirements the checks are for are undecided (skip), with the reason; no requirement failed.
    const outcome = (check: string, id: string) => o.report!.checks.find((c) => c.checkId === check)!.outcomes.find((x) => x.requirement === id)!;
    for (const [check, id] of [
      ['authcode-exchange', 'AZ-02'],
      ['refresh-grant', 'RT-01'],
    ]) {
      expect(outcome(check!, id!).verdict).toBe('skip');
      expect(outcome(check!, id!).message).toMatch(/the sign-in form came back after the test user signed in: wrong username or password/);
    }
    expect(o.report!.summary.mustFailures).toEqual([]);
    expect(o.exitCode).toBe(0);
  }, 60_000);
});
