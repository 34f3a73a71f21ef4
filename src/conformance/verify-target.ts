/**
 * What the target file claims, verified before any check runs (main process, part of the preflight): a mistake in
 * the file must end the run with exit code 2 naming the wrong entry, never read as the server's failure. Two
 * claims are checked, each only when the plan relies on it: the key material (a token the kit mints with it must
 * be accepted where a real one is), and the records (each exists for the full client; the consent client is not
 * refused the consented one while it reads the unconsented one — the two entries swapped).
 */
import { type OperationSpec } from '../contract/index.js';
import { kitOperation } from './kit-contract.js';
import type { RoleToken } from './check.js';
import { cheapQuery, probeOperation } from './checks/helpers.js';
import type { HttpResult, RequestSpec } from './http.js';
import { decodeJwt, mint, MINT_MARGIN_S } from './jwt.js';
import { TargetError, type Target } from './target.js';
import type { Role } from './types.js';

export interface VerifyOptions {
  request: (spec: RequestSpec, what: string) => Promise<HttpResult>;
  clockSkewMs: number;
  notes: string[];
  key: boolean;
  records: boolean;
}

type ApiLedgers = Partial<Record<Role, number[]>>;

/** A GET of a contract operation with a bearer token, counted in the role's API ledger. */
async function get(
  target: Target,
  op: OperationSpec,
  token: string,
  role: Role,
  o: VerifyOptions,
  ledgers: ApiLedgers,
  params: Record<string, string> = {},
): Promise<HttpResult> {
  const path = op.pathTemplate.replace(/\{([^}]+)\}/g, (_m, name: string) =>
    (params[name] ?? '')
      .split('|')
      .map((part) => part.replace(/[^A-Za-z0-9\-._~:@!$&'()*+,;=]/g, (c) => encodeURIComponent(c)))
      .join('|'),
  );
  const qs = new URLSearchParams(op.pathTemplate.includes('{') ? {} : cheapQuery(op)).toString();
  (ledgers[role] ??= []).push(Date.now());
  return o.request(
    {
      method: 'GET',
      url: `${target.baseUrl}${path}${qs ? `?${qs}` : ''}`,
      headers: { accept: 'application/json', authorization: `Bearer ${token}` },
      operation: op,
      credential: { role },
    },
    `verifying the target file (${op.method} ${op.pathTemplate})`,
  );
}

const REFUSED = new Set([401, 403]);

/**
 * jwt key material: a copy of a real full-client token, re-signed with it, must be accepted where the real one is.
 * A refusal means the file's key is not the target's: every key-mode check would then "pass" on tokens refused for
 * the wrong reason (or skip), so the run stops.
 */
async function verifyKey(target: Target, full: RoleToken | undefined, o: VerifyOptions, ledgers: ApiLedgers): Promise<void> {
  if (!target.jwt || !full) return;
  const d = decodeJwt(full.accessToken);
  const op = probeOperation(new Set(full.scope.split(' ')));
  if (!d || !op) return;
  const real = await get(target, op, full.accessToken, 'full', o, ledgers);
  if (real.status !== 200) {
    o.notes.push(`the jwt key material could not be verified: the full client's own token got ${real.status} at ${op.method} ${op.pathTemplate}`);
    return;
  }
  const now = Math.floor((Date.now() + o.clockSkewMs) / 1000);
  const header = { ...d.header };
  delete header.alg;
  const minted = await mint(target.jwt, header, {
    ...d.payload,
    iat: now - MINT_MARGIN_S,
    nbf: now - MINT_MARGIN_S,
    exp: now + 300,
    jti: `spp-kit-verify-${now}`,
  });
  const control = await get(target, op, minted, 'full', o, ledgers);
  if (!REFUSED.has(control.status)) return;
  const what = target.jwt.alg === 'HS256' ? 'jwt.secret' : 'jwt.privateKeyFile';
  throw new TargetError(
    `${what} does not match the target: a copy of a real full-client token signed with it was refused (${control.status}) at ${op.method} ${op.pathTemplate} while the real token was accepted (200). Fix ${what} in the target file, or remove jwt to skip the key-mode checks`,
  );
}

/** records.*: each exists (read with the full client), and the consent client does not see them the other way round. */
async function verifyRecords(target: Target, tokens: Partial<Record<Role, RoleToken>>, o: VerifyOptions, ledgers: ApiLedgers): Promise<void> {
  const read = kitOperation('readIndividual');
  const entries = (['consented', 'unconsented'] as const).filter((k) => target.records[k]);
  const full = tokens.full;
  if (full) {
    for (const entry of entries) {
      const identifier = target.records[entry]!;
      const r = await get(target, read, full.accessToken, 'full', o, ledgers, { identifier });
      if (r.status === 404)
        throw new TargetError(
          `records.${entry} (${identifier}) does not exist: the full client reading it got 404. Fix records.${entry} in the target file (system|value of an Individual the registry holds)`,
        );
      if (r.status !== 200) o.notes.push(`records.${entry} could not be verified: the full client reading it got ${r.status}`);
    }
  }
  const consent = tokens.consent;
  if (!consent || entries.length < 2) return;
  const [a, b] = [target.records.consented!, target.records.unconsented!];
  const consented = await get(target, read, consent.accessToken, 'consent', o, ledgers, { identifier: a });
  const unconsented = await get(target, read, consent.accessToken, 'consent', o, ledgers, { identifier: b });
  if (consented.status !== 200 && unconsented.status === 200)
    throw new TargetError(
      `records.consented (${a}) is refused to the consent client (${consented.status}) while records.unconsented (${b}) is readable (200): the two entries look swapped in the target file (records.consented must name the record the consent client's consent covers)`,
    );
}

/** Verifies the target file's claims the plan relies on; returns the API requests sent per role. Throws a TargetError naming the wrong entry. */
export async function verifyTargetFile(target: Target, tokens: Partial<Record<Role, RoleToken>>, o: VerifyOptions): Promise<ApiLedgers> {
  const ledgers: ApiLedgers = {};
  if (o.key) await verifyKey(target, tokens.full, o, ledgers);
  if (o.records) await verifyRecords(target, tokens, o, ledgers);
  return ledgers;
}
