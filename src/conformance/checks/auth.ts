/**
 * The 401/403 sweep, generated from the contract: for EVERY secured operation, no token, a garbage token, a
 * tampered token, an unsigned (alg none) token and a valid token lacking the operation's scope — each checked
 * for status, OperationOutcome shape and code, and the WWW-Authenticate challenge. Nothing here can write: write
 * operations get an empty body, which no schema accepts, so even a server that ignored tokens would refuse it.
 */
import { scopesAllow, type ErrorCode, type OperationSpec } from '../../contract/index.js';
import type { Check, CheckContext, RoleToken } from '../check.js';
import type { HttpResult } from '../http.js';
import { algNone, attackerSigned, GARBAGE_TOKEN, tampered } from '../jwt.js';
import {
  absentParams,
  cheapQuery,
  errorCodeOf,
  expectedFor,
  harmlessBody,
  issueCodeOf,
  label,
  narrowestScope,
  needsNoScope,
  operationOutcomeProblem,
  parseChallenges,
  probeOperation,
  securedOperations,
} from './helpers.js';

function call(ctx: CheckContext, op: OperationSpec, token?: RoleToken | string): Promise<HttpResult> {
  const body = harmlessBody(op);
  return ctx.api(op, {
    ...(token !== undefined ? { token } : {}),
    params: absentParams(op, ctx.runId),
    query: op.method === 'GET' ? cheapQuery(op) : {},
    ...(body !== undefined ? { body } : {}),
  });
}

/** Which requirement each aspect of a refusal verifies (absent: not asserted for that variant). */
interface RefusalIds {
  status: string[];
  outcome?: string;
  code?: string;
  issue?: string;
  header: string[];
  scheme?: string;
  noErrorAttr?: string;
  errorAttr?: string;
  syntax?: string;
}

/** Status, OperationOutcome shape and code, issue type, and the Bearer challenge of a refusal. */
function assertRefusal(ctx: CheckContext, op: OperationSpec, r: HttpResult, codes: ErrorCode[], challenge: { error?: string }, ids: RefusalIds): void {
  const where = label(op, r);
  assertOutcome(ctx, where, r, codes, ids);
  assertChallenge(ctx, where, r, challenge, ids);
}

/** The status and body of a refusal: the catalogue's status for the code, an OperationOutcome carrying it. */
function assertOutcome(ctx: CheckContext, where: string, r: HttpResult, codes: ErrorCode[], ids: RefusalIds): void {
  const expected = expectedFor(codes[0]!);
  for (const id of ids.status) ctx.assert(id, r.status === expected.status, `${where} (expected ${expected.status})`, r);
  const problem = operationOutcomeProblem(r.json);
  if (ids.outcome) ctx.assert(ids.outcome, !problem, problem ? `${where}: ${problem}` : `${where}: OperationOutcome`, r);
  const code = errorCodeOf(r.json);
  if (ids.code)
    ctx.assert(
      ids.code,
      r.status === expected.status && code !== undefined && (codes as string[]).includes(code),
      `${where}: code ${code ?? '(none)'} (expected ${codes.join(' or ')})`,
      r,
    );
  const issue = issueCodeOf(r.json);
  const issues = codes.map((c) => expectedFor(c).issue);
  if (ids.issue)
    ctx.assert(
      ids.issue,
      issue !== undefined && issues.includes(issue),
      `${where}: issue code ${issue ?? '(none)'} (expected ${[...new Set(issues)].join(' or ')})`,
      r,
    );
}

/** The WWW-Authenticate challenge of a refusal (RFC 6750 §3): present, Bearer, the right error attribute, well formed. */
function assertChallenge(ctx: CheckContext, where: string, r: HttpResult, challenge: { error?: string }, ids: RefusalIds): void {
  const header = r.headers.get('www-authenticate');
  const challenges = parseChallenges(header);
  const bearer = challenges.find((c) => c.scheme.toLowerCase() === 'bearer');
  for (const id of ids.header) ctx.assert(id, !!header, `${where}: WWW-Authenticate ${header ? `'${header}'` : 'missing'}`, r);
  if (ids.scheme) ctx.assert(ids.scheme, !!bearer, `${where}: challenge scheme ${challenges.map((c) => c.scheme).join(', ') || '(none)'}`, r);
  if (ids.noErrorAttr)
    ctx.assert(
      ids.noErrorAttr,
      !!bearer && bearer.params.error === undefined,
      `${where}: ${bearer?.params.error ? `error="${bearer.params.error}" sent although no token was` : 'no error attribute'}`,
      r,
    );
  if (ids.errorAttr && challenge.error)
    ctx.assert(
      ids.errorAttr,
      bearer?.params.error === challenge.error,
      `${where}: error attribute ${bearer?.params.error ?? '(none)'} (expected ${challenge.error})`,
      r,
    );
  if (ids.syntax) {
    const broken = bearer ? bearer.repeated.length > 0 || bearer.badChars.length > 0 : true;
    ctx.assert(
      ids.syntax,
      !broken,
      `${where}: ${bearer ? (broken ? `repeated ${bearer.repeated.join(',')} bad characters in ${bearer.badChars.join(',')}` : 'well-formed challenge') : 'no Bearer challenge'}`,
      r,
    );
  }
}

type Variant = {
  name: string;
  title: string;
  verifies: string[];
  uses?: Check['uses'];
  credential(ctx: CheckContext, op: OperationSpec): Promise<RoleToken | string | undefined>;
  codes: ErrorCode[];
  error?: string;
  ids: RefusalIds;
};

/** The full client's token and a cheap secured GET it may call (the check is skipped when there is none). */
async function fullProbe(ctx: CheckContext): Promise<{ full: RoleToken; op: OperationSpec }> {
  const full = await ctx.token('full');
  const op = probeOperation(new Set(full.scope.split(' ')));
  if (!op) ctx.skip('no secured GET the full client may call');
  return { full, op };
}

const INVALID: ErrorCode[] = ['INVALID_TOKEN'];

const variants: Variant[] = [
  {
    name: 'no-token',
    title: 'without a token gets 401 AUTHENTICATION_REQUIRED and a bare Bearer challenge',
    verifies: ['RS-05', 'RS-06', 'RS-07', 'HTTP-01', 'OO-01', 'OO-02', 'OO-04', 'OSPP-ERR-01'],
    credential: async () => undefined,
    codes: ['AUTHENTICATION_REQUIRED'],
    ids: { status: [], outcome: 'OO-01', code: 'OSPP-ERR-01', issue: 'OO-02', header: ['RS-05', 'HTTP-01', 'OO-04'], scheme: 'RS-06', noErrorAttr: 'RS-07' },
  },
  {
    name: 'garbage-token',
    title: 'with a malformed token gets 401 invalid_token',
    verifies: ['JWT-01', 'RS-10', 'RS-05', 'RS-08', 'RS-09', 'AT-11', 'OO-01', 'OSPP-ERR-01'],
    credential: async () => GARBAGE_TOKEN,
    codes: INVALID,
    error: 'invalid_token',
    ids: { status: ['JWT-01', 'RS-10'], outcome: 'OO-01', code: 'OSPP-ERR-01', header: ['RS-05'], errorAttr: 'RS-08', syntax: 'RS-09' },
  },
  {
    name: 'tampered-token',
    title: 'with a real token whose payload was altered gets 401 invalid_token',
    verifies: ['AT-09', 'RS-10', 'RS-05', 'AT-11', 'OO-01', 'OSPP-ERR-01'],
    uses: ['full'],
    credential: async (ctx) => tampered((await ctx.token('full')).accessToken),
    codes: INVALID,
    error: 'invalid_token',
    ids: { status: ['AT-09', 'RS-10'], outcome: 'OO-01', code: 'OSPP-ERR-01', header: ['RS-05'], errorAttr: 'AT-11' },
  },
  {
    name: 'alg-none',
    title: 'with an unsigned (alg none) copy of a real token gets 401',
    verifies: ['BCP-01', 'BCP-03', 'AT-09', 'RS-05', 'OO-01', 'OSPP-ERR-01'],
    uses: ['full'],
    credential: async (ctx) => algNone((await ctx.token('full')).accessToken),
    codes: INVALID,
    error: 'invalid_token',
    ids: { status: ['BCP-01', 'BCP-03', 'AT-09'], outcome: 'OO-01', code: 'OSPP-ERR-01', header: ['RS-05'] },
  },
  {
    name: 'missing-scope',
    title: 'with a valid token lacking the scope gets 403 SCOPE_INSUFFICIENT and insufficient_scope',
    verifies: ['RS-11', 'RS-15', 'O21-04', 'RS-05', 'RS-06', 'OO-01', 'OO-02', 'OSPP-ERR-02'],
    uses: ['full', 'narrow'],
    credential: async (ctx, op) => {
      const t = await narrowToken(ctx);
      if (scopesAllow(op, new Set(t.scope.split(' ')))) ctx.skip(`the narrowest token the full client can get ('${t.scope}') is allowed ${op.id}`);
      return t;
    },
    codes: ['SCOPE_INSUFFICIENT'],
    error: 'insufficient_scope',
    ids: { status: ['RS-15', 'O21-04'], outcome: 'OO-01', code: 'OSPP-ERR-02', issue: 'OO-02', header: ['RS-05'], scheme: 'RS-06', errorAttr: 'RS-11' },
  },
];

/** The full client's token for the one scope that allows the fewest operations. */
async function narrowToken(ctx: CheckContext): Promise<RoleToken> {
  const full = await ctx.token('full');
  const scope = narrowestScope(full.scope.split(' ').filter(Boolean));
  if (!scope) ctx.skip('the full client holds no contract scope to narrow to');
  return ctx.token('full', scope);
}

function sweepCheck(op: OperationSpec, v: Variant): Check {
  return {
    id: `auth-${v.name}/${op.id}`,
    title: `${op.method} ${op.pathTemplate} ${v.title}`,
    suite: 'auth',
    verifies: v.verifies,
    ...(v.uses ? { uses: v.uses } : {}),
    ...(v.uses?.includes('full') ? { needs: { clients: ['full'] } } : {}),
    async run(ctx: CheckContext) {
      const token = await v.credential(ctx, op);
      const r = await call(ctx, op, token);
      assertRefusal(ctx, op, r, v.codes, v.error ? { error: v.error } : {}, v.ids);
    },
  };
}

export const authChecks: Check[] = [
  ...variants.flatMap((v) =>
    securedOperations()
      .filter((op) => v.name !== 'missing-scope' || !needsNoScope(op))
      .map((op) => sweepCheck(op, v)),
  ),
  {
    id: 'auth-attacker-key',
    title: 'A token re-signed with a key named in its own header (jku, kid, RS256) gets 401',
    suite: 'auth',
    verifies: ['BCP-07', 'BCP-01'],
    needs: { clients: ['full'] },
    uses: ['full'],
    async run(ctx: CheckContext) {
      const { full, op } = await fullProbe(ctx);
      const r = await ctx.api(op, { token: await attackerSigned(full.accessToken), query: cheapQuery(op) });
      for (const id of ['BCP-07', 'BCP-01'])
        ctx.assert(
          id,
          r.status === expectedFor('INVALID_TOKEN').status,
          `${label(op, r)} for a token signed with the kit's own RS256 key (jku/kid in the header)`,
          r,
        );
    },
  },
  {
    id: 'auth-scheme-case',
    title: 'The Bearer scheme is case-insensitive (bearer works)',
    suite: 'auth',
    verifies: ['RS-01', 'RS-02'],
    needs: { clients: ['full'] },
    uses: ['full'],
    async run(ctx: CheckContext) {
      const { full, op } = await fullProbe(ctx);
      const upper = await ctx.api(op, { token: full, query: cheapQuery(op) });
      ctx.assert('RS-01', upper.status === 200, `${label(op, upper)} with Authorization: Bearer <token>`, upper);
      const lower = await ctx.api(op, { token: full, query: cheapQuery(op), headers: { authorization: `bearer ${full.accessToken}` } });
      ctx.assert('RS-02', lower.status === 200, `${label(op, lower)} with Authorization: bearer <token>`, lower);
    },
  },
  {
    id: 'auth-query-token-ignored',
    title: 'A token in the URL query is ignored (401 as if none was sent)',
    suite: 'auth',
    verifies: ['RS-03', 'O21-03'],
    needs: { clients: ['full'] },
    uses: ['full'],
    async run(ctx: CheckContext) {
      const { full, op } = await fullProbe(ctx);
      const r = await ctx.api(op, { query: { ...cheapQuery(op), access_token: full.accessToken } });
      for (const id of ['RS-03', 'O21-03'])
        ctx.assert(id, r.status === expectedFor('AUTHENTICATION_REQUIRED').status, `${label(op, r)} with ?access_token=<valid token> and no header`, r);
    },
  },
];
