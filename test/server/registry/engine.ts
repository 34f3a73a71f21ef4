/**
 * The registry engine without HTTP: an in-memory database, the Access of a legal-basis client (dswd) and of a
 * consent-bound one (ministry-of-agriculture), and the access-log entries they produce. Engine tests call the
 * registry functions directly, so they see engine-level values and the ApiErrors the engine throws.
 */
import { expect } from 'vitest';
import { ApiError } from '../../../src/contract/errors.js';
import { grant, type GrantInput } from '../../../src/server/registry/consent-admin.js';
import { createRecord } from '../../../src/server/registry/service.js';
import type { AccessEntry } from '../../../src/server/registry/store/access-log.js';
import type { Access, ResourceType } from '../../../src/server/registry/types.js';
import { openDatabase, type Db } from '../../../src/server/store/db.js';
import { addOrganizations, BASE_PATH } from './harness.js';

export const NID = 'urn:gov:ph:psa:national-id';
export const GENDER_SYSTEM = 'urn:iso:std:iso:5218';

export interface Engine {
  db: Db;
  now: Date;
  /** What each client's reads added to the access log, in order. */
  logged: AccessEntry[];
  /** The Access of a client: `dswd` (public_task) or `consent` (legal basis consent). */
  as(who: 'dswd' | 'consent', now?: Date): Access;
  /** Creates a record as dswd (at `at`, default `now`: its meta.lastUpdated). */
  create(type: ResourceType, input: object, at?: Date): void;
  /** A consent of ministry-of-agriculture on a subject (`Individual/…` or `Group/…`). */
  consent(subject: string, resourceTypes: string[], extra?: Partial<GrantInput>): void;
}

export function makeEngine(now = new Date('2026-03-02T09:15:00.000Z'), db: Db = openDatabase(':memory:')): Engine {
  const orgs = addOrganizations(db);
  const logged: AccessEntry[] = [];
  const as = (who: 'dswd' | 'consent', at: Date = now): Access => ({
    organizationId: who === 'dswd' ? orgs.dswd! : orgs['ministry-of-agriculture']!,
    consentBound: who === 'consent',
    logAccess: (entries) => logged.push(...entries),
    now: at,
    today: at.toISOString().slice(0, 10),
    source: `urn:openspp:api-client:${who}`,
    basePath: BASE_PATH,
  });
  return {
    db,
    now,
    logged,
    as,
    create: (type, input, at) => void createRecord(db, as('dswd', at), type, input as never),
    consent: (subject, resourceTypes, extra = {}) =>
      void grant(
        db,
        { organizationCode: 'ministry-of-agriculture', subject, resourceTypes, expiryDate: '2030-12-31', effectiveDate: '2026-01-01', ...extra },
        now,
      ),
  };
}

/** The ApiError `fn` throws (the test fails when it throws something else, or nothing). */
export function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected an ApiError, nothing was thrown');
}
