/**
 * Consent records (the published guide's consent endpoints): the consent client reads the consent its
 * organization holds, learns nothing about another organization's (its answers are those for an id that does not
 * exist), and the access summary counts the client's reads of the consent's subject. Read-only.
 */
import type { OperationSpec } from '../../contract/index.js';
import { kitOperation } from '../kit-contract.js';
import type { Check, CheckContext } from '../check.js';
import type { HttpResult } from '../http.js';
import { differences } from './consent.js';
import { label } from './helpers.js';

const CONSENT_READS = ['readConsent', 'readConsentReceipt', 'readConsentHistory', 'readConsentAccessSummary'] as const;

async function consentCall(ctx: CheckContext, op: OperationSpec, consentId: string): Promise<HttpResult> {
  return ctx.api(op, { token: await ctx.token('consent'), params: { consentId } });
}

/** A consent id that no target holds, recognisably the kit's (UUID-shaped, so it passes any format check). */
function absentConsentId(runId: string): string {
  const hex = Buffer.from(runId).toString('hex').padEnd(12, '0').slice(0, 12);
  return `00000000-0000-4000-8000-${hex}`;
}

/** The answer with the consent id it names replaced, so that two answers about different ids compare. */
const withoutId = (r: HttpResult, id: string): HttpResult => ({ ...r, text: r.text.split(id).join('{consentId}') });

interface AccessSummary {
  total_accesses?: number;
  by_action?: Record<string, number>;
  by_client?: Record<string, number>;
}

export const consentRecordChecks: Check[] = [
  {
    id: 'consent-record-read',
    title: 'The consent client reads the consent its organization holds, its receipt and its history',
    suite: 'consent',
    verifies: ['OSPP-CNS-01'],
    needs: { clients: ['consent'], records: ['consent'] },
    uses: ['consent'],
    async run(ctx: CheckContext) {
      const id = ctx.target.records.consent!;
      const read = await consentCall(ctx, kitOperation('readConsent'), id);
      const body = read.json as { consent_id?: string; status?: string } | undefined;
      ctx.assert(
        'OSPP-CNS-01',
        read.status === 200 && body?.consent_id === id,
        `${label(kitOperation('readConsent'), read)}${read.status === 200 ? `, consent_id ${body?.consent_id}, status ${body?.status}` : ''}`,
        read,
      );
      for (const opId of ['readConsentReceipt', 'readConsentHistory'] as const) {
        const r = await consentCall(ctx, kitOperation(opId), id);
        const named = (r.json as { consent_id?: string } | undefined)?.consent_id;
        ctx.assert('OSPP-CNS-01', r.status === 200 && named === id, `${label(kitOperation(opId), r)}${r.status === 200 ? `, consent_id ${named}` : ''}`, r);
      }
    },
  },
  {
    id: 'consent-record-foreign',
    title: "Another organization's consent looks like one that does not exist, on every consent endpoint",
    suite: 'consent',
    verifies: ['OSPP-CNS-02'],
    needs: { clients: ['consent'], records: ['foreignConsent'] },
    uses: ['consent'],
    async run(ctx: CheckContext) {
      const foreign = ctx.target.records.foreignConsent!;
      const absent = absentConsentId(ctx.runId);
      for (const opId of CONSENT_READS) {
        const op = kitOperation(opId);
        const a = await consentCall(ctx, op, foreign);
        const b = await consentCall(ctx, op, absent);
        const diffs = differences(withoutId(a, foreign), withoutId(b, absent));
        // Not found is a 4xx — or, in the deployed dialect, readConsent's 200 with status "not_found" (openapi/deployed).
        const notFound = a.status >= 400 || (a.status === 200 && (a.json as { status?: unknown } | undefined)?.status === 'not_found');
        ctx.assert(
          'OSPP-CNS-02',
          notFound && diffs.length === 0,
          !notFound
            ? `${opId} of another organization's consent → ${a.status}: the consent client can read it`
            : diffs.length
              ? `${opId}: foreign vs missing consent: ${diffs.join('; ')}`
              : `${opId}: foreign and missing consent both → ${a.status}, identical bodies and headers`,
          [a, b],
        );
      }
    },
  },
  {
    id: 'consent-access-summary',
    title: "The access summary counts the consent client's read of the consent's subject",
    suite: 'consent',
    verifies: ['OSPP-CNS-03'],
    needs: { clients: ['consent'], records: ['consent', 'consented'] },
    uses: ['consent'],
    async run(ctx: CheckContext) {
      const id = ctx.target.records.consent!;
      const op = kitOperation('readConsentAccessSummary');
      const before = await consentCall(ctx, op, id);
      if (before.status !== 200) {
        ctx.assert('OSPP-CNS-03', false, label(op, before), before);
        return;
      }
      const read = await ctx.api(kitOperation('readIndividual'), { token: await ctx.token('consent'), params: { identifier: ctx.target.records.consented! } });
      if (read.status !== 200) ctx.skip(`precondition not met: the consent client could not read records.consented (${read.status})`);
      const after = await consentCall(ctx, op, id);
      const s0 = before.json as AccessSummary;
      const s1 = (after.json ?? {}) as AccessSummary;
      const total = (s1.total_accesses ?? 0) - (s0.total_accesses ?? 0);
      const reads = (s1.by_action?.read ?? 0) - (s0.by_action?.read ?? 0);
      // By client: some client's count grew by exactly one read (others may be reading the subject meanwhile).
      const grown = Object.entries(s1.by_client ?? {}).map(([client, n]) => [client, n - (s0.by_client?.[client] ?? 0)] as const);
      const ours = grown.filter(([, d]) => d === 1).map(([c]) => c);
      ctx.measure('accessSummary.totalDelta', total);
      ctx.assert(
        'OSPP-CNS-03',
        after.status === 200 && total >= 1 && reads >= 1 && ours.length > 0 && grown.every(([, d]) => d >= 0),
        `after one read of the subject: total_accesses +${total}, by_action.read +${reads}, by_client ${grown.map(([c, d]) => `${c} +${d}`).join(', ') || '(none)'}`,
        [before, read, after],
      );
    },
  },
];
