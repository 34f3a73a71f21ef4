/**
 * The 401/403 sweep, generated from the contracts: for EVERY secured operation (of both dialects; a profile judges
 * those of its own contract), no token, a garbage token, a tampered token, an unsigned (alg none) token and a valid
 * token lacking the operation's scope — each checked for status, error body and code in the contract's style
 * (OperationOutcome, or the deployed `{"detail"}`), and the WWW-Authenticate challenge. Only a refusal (401 or 403)
 * is judged for the token rules: the security requirements are met by any refusal, the status and format ones
 * by the contract's own. An operation the target does not serve (404/405 without a token) is reported once,
 * under OSPP-CT-01, and its token rules are not applicable. Nothing here can write without `writes: true`.
 */
import { contractFor, DIALECTS } from '../../contract/contract.js';
import { isPublic, scopesAllow, type ErrorCode, type OperationSpec } from '../../contract/index.js';
import { kitHasOperation, kitOperation } from '../kit-contract.js';
import type { Check, CheckContext, RoleToken } from '../check.js';
import type { HttpResult } from '../http.js';
import { algNone, attackerSigned, GARBAGE_TOKEN, tampered } from '../jwt.js';
import {
  cheapQuery,
  errorCodeOf,
  expectedFor,
  issueCodeOf,
  label,
  narrowestScope,
  needsNoScope,
  errorBodyName,
  errorBodyProblem,
  errorRequirement,
  parseChallenges,
  probeOperation,
} from './helpers.js';
import { isRefusal, isValidationAnswer, judgeOrder, notJudged, notServed, probe, scopeProbe, servedness, type Credential } from './probes.js';

/** Which requirement each aspect of a refusal verifies (absent: not asserted for that variant). */
interface RefusalIds {
  /** The catalogue's exact status for the code (401, or 403 for a missing scope). */
  status: string[];
  /** Any refusal (401 or 403): the security requirements. */
  refused: string[];
  outcome?: string;
  code?: string;
  issue?: string;
  /** A refusal carries WWW-Authenticate (RFC 6750 §3). */
  header: string[];
  /** A 401 carries WWW-Authenticate (RFC 9110 §15.5.2). */
  header401?: string[];
  scheme?: string;
  noErrorAttr?: string;
  errorAttr?: string[];
  syntax?: string;
}

/** Status, OperationOutcome shape and code, issue type, and the Bearer challenge of a refusal. */
function assertRefusal(ctx: CheckContext, op: OperationSpec, r: HttpResult, codes: ErrorCode[], challenge: { error?: string }, ids: RefusalIds): void {
  const where = label(op, r);
  assertOutcome(ctx, where, r, codes, ids);
  assertChallenge(ctx, where, r, challenge, ids);
}

/** The refusal itself (any 401/403), its exact status, and its body: an OperationOutcome carrying the catalogue's code. */
function assertOutcome(ctx: CheckContext, where: string, r: HttpResult, codes: ErrorCode[], ids: RefusalIds): void {
  const expected = expectedFor(codes[0]!);
  const refused = isRefusal(r);
  for (const id of ids.refused)
    ctx.assert(id, refused, `${where}: ${refused ? 'refused' : 'NOT refused: the credential was accepted'}`, r, {
      cause: refused ? 'refused' : `the credential was accepted (answered ${r.status})`,
    });
  for (const id of ids.status)
    ctx.assert(id, r.status === expected.status, `${where} (expected ${expected.status})`, r, { cause: `answered ${r.status}, not ${expected.status}` });
  // The body rules of the run's contract's error style (OperationOutcome, or the deployed dialect's {"detail"}).
  const outcomeId = ids.outcome && errorRequirement(ids.outcome);
  if (outcomeId) {
    if (r.status < 400) ctx.notApplicable(outcomeId, `answered ${r.status}: not an error`);
    else {
      const problem = errorBodyProblem(r.json, r.status);
      ctx.assert(outcomeId, !problem, problem ? `${where}: ${problem}` : `${where}: ${errorBodyName()}`, r, {
        cause: `${r.status} body is not ${errorBodyName() === 'OperationOutcome' ? 'an OperationOutcome' : 'a {"detail"} body'}`,
      });
    }
  }
  const code = errorCodeOf(r.json);
  const codeId = ids.code && errorRequirement(ids.code);
  if (codeId)
    ctx.assert(
      codeId,
      r.status === expected.status && code !== undefined && (codes as string[]).includes(code),
      `${where}: code ${code ?? '(none)'} (expected ${expected.status} ${codes.join(' or ')})`,
      r,
      { cause: `answered ${r.status} with code ${code ?? '(none)'} instead of ${expected.status} ${codes.join(' or ')}` },
    );
  const issue = issueCodeOf(r.json);
  const issues = codes.map((c) => expectedFor(c).issue);
  const issueId = ids.issue && errorRequirement(ids.issue);
  if (issueId)
    ctx.assert(
      issueId,
      issue !== undefined && issues.includes(issue),
      `${where}: issue code ${issue ?? '(none)'} (expected ${[...new Set(issues)].join(' or ')})`,
      r,
      { cause: `issue code ${issue ?? '(none)'} instead of ${[...new Set(issues)].join(' or ')}` },
    );
}

/**
 * The WWW-Authenticate challenge of a refusal (RFC 6750 §3): present, Bearer, the right error attribute, well
 * formed. Only a refusal is judged; the scheme, attributes and syntax only when a challenge was sent at all (its
 * absence is RS-05's business, and HTTP-01's for a 401).
 */
function assertChallenge(ctx: CheckContext, where: string, r: HttpResult, challenge: { error?: string }, ids: RefusalIds): void {
  const header = r.headers.get('www-authenticate');
  const challenges = parseChallenges(header);
  const bearer = challenges.find((c) => c.scheme.toLowerCase() === 'bearer');
  const notRefusal = `answered ${r.status}, not a refusal: no challenge is due`;
  const present = (id: string) =>
    ctx.assert(id, !!header, `${where}: WWW-Authenticate ${header ? `'${header}'` : 'missing'}`, r, {
      cause: header ? 'challenge present' : `${r.status} without WWW-Authenticate`,
    });
  for (const id of ids.header)
    if (isRefusal(r)) present(id);
    else ctx.notApplicable(id, notRefusal);
  for (const id of ids.header401 ?? [])
    if (r.status === 401) present(id);
    else ctx.notApplicable(id, `answered ${r.status}, not 401`);
  const attributeIds = [ids.scheme, ids.noErrorAttr, ...(ids.errorAttr ?? []), ids.syntax].filter((id): id is string => !!id);
  if (!isRefusal(r) || !header) {
    for (const id of attributeIds) ctx.notApplicable(id, isRefusal(r) ? 'no challenge was sent (RS-05 judges its absence)' : notRefusal);
    return;
  }
  if (ids.scheme) ctx.assert(ids.scheme, !!bearer, `${where}: challenge scheme ${challenges.map((c) => c.scheme).join(', ') || '(none)'}`, r);
  if (!bearer) {
    for (const id of attributeIds.filter((i) => i !== ids.scheme)) ctx.notApplicable(id, 'no Bearer challenge (RS-06 judges the scheme)');
    return;
  }
  if (ids.noErrorAttr)
    ctx.assert(
      ids.noErrorAttr,
      bearer.params.error === undefined,
      `${where}: ${bearer.params.error ? `error="${bearer.params.error}" sent although no token was` : 'no error attribute'}`,
      r,
    );
  if (challenge.error)
    for (const id of ids.errorAttr ?? [])
      ctx.assert(id, bearer.params.error === challenge.error, `${where}: error attribute ${bearer.params.error ?? '(none)'} (expected ${challenge.error})`, r, {
        cause: `error attribute ${bearer.params.error ?? '(none)'} instead of ${challenge.error}`,
      });
  if (ids.syntax) {
    const broken = bearer.repeated.length > 0 || bearer.badChars.length > 0;
    ctx.assert(
      ids.syntax,
      !broken,
      `${where}: ${broken ? `repeated ${bearer.repeated.join(',')} bad characters in ${bearer.badChars.join(',')}` : 'well-formed challenge'}`,
      r,
    );
  }
}

type Variant = {
  name: string;
  title: string;
  verifies: string[];
  uses?: Check['uses'];
  /** The credential to send, and for a forged one how the kit made it. */
  credential(ctx: CheckContext, op: OperationSpec): Promise<Credential>;
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
    verifies: ['RS-05', 'RS-06', 'RS-07', 'HTTP-01', 'OO-01', 'OO-02', 'OO-04', 'OSPP-ERR-01', 'OSPP-DEP-ERR-01', 'OSPP-DEP-ERR-02', 'OSPP-CT-01'],
    credential: async () => ({}),
    codes: ['AUTHENTICATION_REQUIRED'],
    ids: {
      status: [],
      refused: [],
      outcome: 'OO-01',
      code: 'OSPP-ERR-01',
      issue: 'OO-02',
      header: ['RS-05'],
      header401: ['HTTP-01', 'OO-04'],
      scheme: 'RS-06',
      noErrorAttr: 'RS-07',
    },
  },
  {
    name: 'garbage-token',
    title: 'with a malformed token gets 401 invalid_token',
    verifies: ['JWT-01', 'RS-10', 'RS-05', 'RS-08', 'RS-09', 'AT-11', 'OO-01', 'OSPP-ERR-01', 'OSPP-DEP-ERR-01', 'OSPP-DEP-ERR-02'],
    credential: async () => ({ token: GARBAGE_TOKEN, forged: `a malformed token: the literal ${GARBAGE_TOKEN}` }),
    codes: INVALID,
    error: 'invalid_token',
    ids: { status: ['RS-10'], refused: ['JWT-01'], outcome: 'OO-01', code: 'OSPP-ERR-01', header: ['RS-05'], errorAttr: ['RS-08', 'AT-11'], syntax: 'RS-09' },
  },
  {
    name: 'tampered-token',
    title: 'with a real token whose payload was altered gets 401 invalid_token',
    verifies: ['AT-09', 'RS-10', 'RS-05', 'AT-11', 'OO-01', 'OSPP-ERR-01', 'OSPP-DEP-ERR-01', 'OSPP-DEP-ERR-02'],
    uses: ['full'],
    credential: async (ctx) => ({
      token: tampered((await ctx.token('full')).accessToken),
      forged: "the full client's token with its payload altered (scope widened, sub changed) and its original signature kept",
      forgedFrom: 'full',
    }),
    codes: INVALID,
    error: 'invalid_token',
    ids: { status: ['RS-10'], refused: ['AT-09'], outcome: 'OO-01', code: 'OSPP-ERR-01', header: ['RS-05'], errorAttr: ['AT-11'] },
  },
  {
    name: 'alg-none',
    title: 'with an unsigned (alg none) copy of a real token gets 401',
    verifies: ['BCP-01', 'BCP-03', 'AT-09', 'RS-05', 'OO-01', 'OSPP-ERR-01', 'OSPP-DEP-ERR-01', 'OSPP-DEP-ERR-02'],
    uses: ['full'],
    credential: async (ctx) => ({
      token: algNone((await ctx.token('full')).accessToken),
      forged: "the full client's token re-encoded with header alg none and no signature",
      forgedFrom: 'full',
    }),
    codes: INVALID,
    error: 'invalid_token',
    ids: { status: [], refused: ['BCP-01', 'BCP-03', 'AT-09'], outcome: 'OO-01', code: 'OSPP-ERR-01', header: ['RS-05'] },
  },
  {
    name: 'missing-scope',
    title: 'with a valid token lacking the scope gets 403 SCOPE_INSUFFICIENT and insufficient_scope',
    verifies: ['RS-11', 'RS-15', 'O21-04', 'RS-05', 'RS-06', 'OO-01', 'OO-02', 'OSPP-ERR-02', 'OSPP-DEP-ERR-01', 'OSPP-DEP-ERR-03', 'RS-16'],
    uses: ['full', 'reader', 'narrow'],
    credential: async (ctx, op) => ({ token: await lackingToken(ctx, op) }),
    codes: ['SCOPE_INSUFFICIENT'],
    error: 'insufficient_scope',
    ids: {
      status: [],
      refused: ['RS-15', 'O21-04'],
      outcome: 'OO-01',
      code: 'OSPP-ERR-02',
      issue: 'OO-02',
      header: ['RS-05'],
      scheme: 'RS-06',
      errorAttr: ['RS-11'],
    },
  },
];

/** The full client's token for the one scope that allows the fewest operations. */
async function narrowToken(ctx: CheckContext): Promise<RoleToken> {
  const full = await ctx.token('full');
  const scope = narrowestScope(full.scope.split(' ').filter(Boolean));
  if (!scope) ctx.skip('the full client holds no contract scope to narrow to');
  return ctx.token('full', scope);
}

/**
 * A token that really lacks `op`'s scope, judged by what it holds (not by what was asked): the reader client's
 * own token first (a server may ignore a requested scope, RFC 6749 §3.3), else the full client's narrowest one.
 */
async function lackingToken(ctx: CheckContext, op: OperationSpec): Promise<RoleToken> {
  const candidates: RoleToken[] = [];
  if (ctx.target.clients.reader) candidates.push(await ctx.token('reader'));
  const lacking = candidates.find((t) => !scopesAllow(op, new Set(t.scope.split(' '))));
  if (lacking) return lacking;
  const narrow = await narrowToken(ctx);
  if (scopesAllow(op, new Set(narrow.scope.split(' '))))
    ctx.skip(
      `no token the kit can get lacks ${op.id}'s scope: ${candidates.length ? `the reader holds '${candidates[0]!.scope}', ` : ''}the full client asked for '${narrow.requested ?? ''}' and got '${narrow.scope}'`,
    );
  return narrow;
}

/** The no-token request: also the run's answer to "does the target serve this operation?" (reported once, here). */
async function noTokenCheck(ctx: CheckContext, op: OperationSpec, v: Variant): Promise<void> {
  const r = await probe(ctx, op);
  const served = await servedness(ctx, op, r);
  if (!served.served) {
    ctx.assert('OSPP-CT-01', false, served.reason, r, { cause: 'a contract operation is not served (404/405 without a token)' });
    notServed(
      ctx,
      v.verifies.filter((id) => id !== 'OSPP-CT-01'),
      `the target does not serve ${op.method} ${op.pathTemplate}`,
    );
    return;
  }
  assertRefusal(ctx, op, r, v.codes, {}, v.ids);
}

/** The missing-scope request: a write probe whose body the target validates first is reported as such (RS-16). */
async function missingScopeCheck(ctx: CheckContext, op: OperationSpec, v: Variant): Promise<void> {
  const { token } = await v.credential(ctx, op);
  const t = token as RoleToken;
  const p = await scopeProbe(ctx, op, t);
  judgeOrder(ctx, 'RS-16', op, p, `${op.id}'s scope`);
  if (!p.reached) {
    for (const id of v.verifies.filter((i) => i !== 'RS-16'))
      ctx.notApplicable(id, `the scope check was not reached: ${label(op, p.answer)} refused the body first (RS-16)`);
    return;
  }
  assertRefusal(ctx, op, p.answer, v.codes, { error: v.error! }, v.ids);
}

function sweepCheck(spec: OperationSpec, v: Variant): Check {
  return {
    id: `auth-${v.name}/${spec.id}`,
    title: `${spec.method} ${spec.pathTemplate} ${v.title}`,
    suite: 'auth',
    verifies: v.verifies,
    ...(v.uses ? { uses: v.uses } : {}),
    ...(v.uses?.includes('full') ? { needs: { clients: ['full'] } } : {}),
    // The sweep covers the operations of both dialects; a profile judges those of its own contract.
    notApplicable: (p) => {
      const op = contractFor(p.dialect).operations.get(spec.id);
      if (!p.contract) return op ? undefined : `${spec.id} is only in the deployed contract`;
      if (!op || isPublic(op)) return `the ${p.dialect} contract has no secured operation ${spec.id}`;
      if (v.name === 'missing-scope' && needsNoScope(op)) return `${spec.id} needs no scope in the ${p.dialect} contract (any valid token may call it)`;
      return undefined;
    },
    async run(ctx: CheckContext) {
      const op = kitHasOperation(spec.id) ? kitOperation(spec.id) : spec;
      if (v.name === 'no-token') return noTokenCheck(ctx, op, v);
      const served = await servedness(ctx, op);
      if (!served.served) return notServed(ctx, v.verifies, `the target does not serve ${op.method} ${op.pathTemplate}`);
      if (v.name === 'missing-scope') return missingScopeCheck(ctx, op, v);
      const r = await probe(ctx, op, await v.credential(ctx, op));
      // A write answered with a validation error ({} is no record): the body was judged, the token perhaps not.
      if (op.requestBody && isValidationAnswer(r))
        return notJudged(
          ctx,
          v.verifies,
          `${label(op, r)}: the target refused the body before it judged the token (the token rules are judged on its other operations)`,
        );
      assertRefusal(ctx, op, r, v.codes, v.error ? { error: v.error } : {}, v.ids);
    },
  };
}

/** The secured operations of both dialects, the published contract's first (each id once). */
function sweptOperations(): OperationSpec[] {
  const out = new Map<string, OperationSpec>();
  for (const dialect of DIALECTS) for (const op of contractFor(dialect).operations.values()) if (!isPublic(op) && !out.has(op.id)) out.set(op.id, op);
  return [...out.values()];
}

/** Whether some dialect's contract gives the operation a scope to lack. */
function scopedSomewhere(id: string): boolean {
  return DIALECTS.some((d) => {
    const op = contractFor(d).operations.get(id);
    return !!op && !isPublic(op) && !needsNoScope(op);
  });
}

export const authChecks: Check[] = [
  ...variants.flatMap((v) =>
    sweptOperations()
      .filter((op) => v.name !== 'missing-scope' || scopedSomewhere(op.id))
      .map((op) => sweepCheck(op, v)),
  ),
  {
    id: 'auth-attacker-key',
    title: 'A token re-signed with a key named in its own header (jku, kid, RS256) is refused',
    suite: 'auth',
    verifies: ['BCP-07', 'BCP-01'],
    needs: { clients: ['full'] },
    uses: ['full'],
    async run(ctx: CheckContext) {
      const { full, op } = await fullProbe(ctx);
      const r = await ctx.api(op, {
        token: await attackerSigned(full.accessToken),
        forged: "the full client's claims signed RS256 with a key the kit made, named in the header (kid, jku)",
        forgedFrom: 'full',
        query: cheapQuery(op),
      });
      for (const id of ['BCP-07', 'BCP-01'])
        ctx.assert(id, isRefusal(r), `${label(op, r)} for a token signed with the kit's own RS256 key (jku/kid in the header)`, r, {
          cause: isRefusal(r) ? 'refused' : `a token signed with the kit's own key was accepted (answered ${r.status})`,
        });
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
    title: 'A token in the URL query is ignored (refused as if none was sent)',
    suite: 'auth',
    verifies: ['RS-03', 'O21-03'],
    needs: { clients: ['full'] },
    uses: ['full'],
    async run(ctx: CheckContext) {
      const { full, op } = await fullProbe(ctx);
      const r = await ctx.api(op, { query: { ...cheapQuery(op), access_token: full.accessToken } });
      for (const id of ['RS-03', 'O21-03'])
        ctx.assert(id, isRefusal(r), `${label(op, r)} with ?access_token=<valid token> and no header`, r, {
          cause: isRefusal(r) ? 'refused' : `a token in the URL query was used (answered ${r.status})`,
        });
    },
  },
];
