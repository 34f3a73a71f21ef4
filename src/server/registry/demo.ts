/**
 * The demo registry (fixtures/demo-registry.json): ten households, three programmes, their enrolments and
 * consents granted to the demo organizations. Loaded into an empty registry through the same functions the API
 * uses, each record checked against the contract first.
 */
import { readFileSync } from 'node:fs';
import { publishedContract } from '../../contract/contract.js';
import type { Db } from '../store/db.js';
import { grant, withdraw, type ConsentStatus } from './consent-admin.js';
import { createRecord } from './service.js';
import type { Access, InputOf, ResourceType } from './types.js';

type AnyInput = InputOf[ResourceType];

export const demoRegistryFile = new URL('../../../fixtures/demo-registry.json', import.meta.url);

/** A demo Individual a valid consent covers for `ministry-of-agriculture`. */
export const DEMO_CONSENTED_INDIVIDUAL = 'urn:gov:ph:psa:national-id|PH-123456789';
/** A demo Individual without any consent. */
export const DEMO_UNCONSENTED_INDIVIDUAL = 'urn:gov:ph:psa:national-id|PH-300000001';

export interface DemoConsent {
  /** Fixed, so that a target file can name a demo consent (fixtures/targets/reference.yaml). */
  consentId: string;
  organization: string;
  subject: string;
  resourceTypes: string[];
  status: Exclude<ConsentStatus, 'withdrawn'>;
  effectiveOffsetDays: number;
  expiryOffsetDays: number;
  withdrawal?: { afterDays: number; reason: string };
}

export interface DemoRegistry {
  individuals: AnyInput[];
  groups: AnyInput[];
  programs: AnyInput[];
  programMemberships: AnyInput[];
  consents: DemoConsent[];
}

export function readDemoRegistry(): DemoRegistry {
  return JSON.parse(readFileSync(demoRegistryFile, 'utf8')) as DemoRegistry;
}

const day = (now: Date, offset: number) => new Date(now.getTime() + offset * 86_400_000).toISOString().slice(0, 10);

const CREATE: Record<ResourceType, string> = {
  Individual: 'createIndividual',
  Group: 'createGroup',
  Program: 'createProgram',
  ProgramMembership: 'createProgramMembership',
};

/** Loads the demo registry unless the registry already has individuals. Returns whether it did. */
export function loadDemoRegistry(db: Db, now: Date = new Date()): boolean {
  if ((db.prepare('SELECT count(*) FROM individuals').pluck().get() as number) > 0) return false;
  const demo = readDemoRegistry();
  const access: Access = { organizationId: 0, consentBound: false, now, today: day(now, 0), source: 'urn:openspp:demo', basePath: '' };
  db.transaction(() => {
    for (const resource of [...demo.individuals, ...demo.programs, ...demo.groups, ...demo.programMemberships]) {
      const type = resource.resourceType;
      const issues = publishedContract.validator.validateBody(publishedContract.operation(CREATE[type]), 'application/json', resource);
      if (issues.length)
        throw new Error(`demo ${type} ${JSON.stringify(resource.identifier?.[0])} breaks the contract: ${issues.map((i) => i.message).join(' ')}`);
      createRecord(db, access, type, resource as never);
    }
    for (const c of demo.consents) {
      const id = grant(
        db,
        {
          consentId: c.consentId,
          organizationCode: c.organization,
          subject: c.subject,
          resourceTypes: c.resourceTypes,
          status: c.status,
          effectiveDate: day(now, c.effectiveOffsetDays),
          expiryDate: day(now, c.expiryOffsetDays),
        },
        new Date(now.getTime() + c.effectiveOffsetDays * 86_400_000),
      );
      if (c.withdrawal) withdraw(db, id, c.withdrawal.reason, new Date(now.getTime() + (c.effectiveOffsetDays + c.withdrawal.afterDays) * 86_400_000));
    }
  })();
  return true;
}
