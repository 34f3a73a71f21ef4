/**
 * An Individual may have no name in the engine (the deployed dialect requires only an identifier); the published
 * contract still requires one on input and refuses a body without it before the engine sees it.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { publishedContract } from '../../../src/contract/contract.js';
import { composeNameText } from '../../../src/server/registry/kinds/individual.js';
import { search } from '../../../src/server/registry/search/execute.js';
import { createRecord, readRecord, updateRecord } from '../../../src/server/registry/service.js';
import { makeEngine, NID, type Engine } from './engine.js';
import { household, makeRegistry, person } from './harness.js';

let e: Engine;

const nameless = (value: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Individual',
  identifier: [{ system: NID, value }],
  ...extra,
});

const individuals = (query: Record<string, unknown>) =>
  search(e.db, e.as('dswd'), { type: 'Individual', op: publishedContract.operation('searchIndividuals'), query: { _count: 20, _sort: 'name', ...query } });

beforeEach(() => {
  e = makeEngine();
});

describe('an Individual without a name', () => {
  it('is stored and read back without a name field', () => {
    e.create('Individual', nameless('PH-N1', { birthDate: '1990-01-01' }));
    const r = readRecord(e.db, e.as('dswd'), 'Individual', `${NID}|PH-N1`).resource;
    expect(r).not.toHaveProperty('name');
    expect(r.birthDate).toBe('1990-01-01');
    expect(e.db.prepare("SELECT doc FROM individual_docs d JOIN identifiers i ON i.record_id = d.id WHERE i.value = 'PH-N1'").pluck().get()).toBe(
      '{"active":true,"birthDate":"1990-01-01"}',
    );
  });

  it('has an empty sort key and sorts before named people', () => {
    e.create('Individual', person('PH-A', 'Abad', 'Ana'));
    e.create('Individual', nameless('PH-N1'));
    expect(e.db.prepare("SELECT name_key FROM individuals i JOIN identifiers x ON x.record_id = i.id WHERE x.value = 'PH-N1'").pluck().get()).toBe('');
    expect(individuals({}).entry.map((x) => x.resource.identifier[0]!.value)).toEqual(['PH-N1', 'PH-A']);
  });

  it('is in the address index but matches no name search', () => {
    e.create('Individual', nameless('PH-N1', { address: [{ city: 'Quezon City' }] }));
    expect(individuals({ address: 'quezon' }).total).toBe(1);
    expect(individuals({ name: 'quezon' }).total).toBe(0);
  });

  it('is referenced without a display', () => {
    e.create('Individual', nameless('PH-N1'));
    e.create('Group', household('HH-1', 'Household', ['PH-N1']));
    const g = readRecord(e.db, e.as('dswd'), 'Group', 'urn:openspp:group|HH-1').resource;
    expect(g.member?.[0]?.entity).toEqual({ reference: `Individual/${NID}|PH-N1` });
  });

  it('an empty name object is no name', () => {
    e.create('Individual', nameless('PH-N1', { name: {} }));
    expect(readRecord(e.db, e.as('dswd'), 'Individual', `${NID}|PH-N1`).resource).not.toHaveProperty('name');
  });

  it('a replacement without a name removes the name and its index entry', () => {
    e.create('Individual', person('PH-1', 'Santos', 'Maria'));
    const r = updateRecord(e.db, e.as('dswd'), 'Individual', `${NID}|PH-1`, nameless('PH-1') as never);
    expect(r.resource).not.toHaveProperty('name');
    expect(r.resource.meta.versionId).toBe('2');
    expect(individuals({ name: 'santos' }).total).toBe(0);
  });

  it('composeNameText has nothing to compose without a name', () => {
    expect(composeNameText(undefined)).toBeUndefined();
    expect(composeNameText({})).toBeUndefined();
    expect(composeNameText({ family: 'Cruz', given: 'Ana' })).toBe('CRUZ, Ana');
  });
});

describe('the published contract', () => {
  it('still refuses to create an Individual without a name (422 VALIDATION_ERROR at name), and nothing is stored', async () => {
    const h = makeRegistry();
    const r = await h.call('dswd', 'POST', '/Individual', nameless('PH-N1'));
    expect(r.status).toBe(422);
    expect(r.body.issue[0].details.coding[0].code).toBe('VALIDATION_ERROR');
    expect(r.body.issue[0].expression).toEqual(['name']);
    expect(h.db.prepare('SELECT count(*) FROM individuals').pluck().get()).toBe(0);
  });

  it('serves a nameless Individual stored by the engine within the contract', async () => {
    const h = makeRegistry();
    const access = { organizationId: h.orgs.dswd!, consentBound: false, now: h.clock.now, today: '2026-03-02', source: 'urn:test', basePath: '/api/v2/spp' };
    createRecord(h.db, access, 'Individual', nameless('PH-N1') as never);
    const r = await h.call('dswd', 'GET', `/Individual/${NID}|PH-N1`);
    expect(r.status).toBe(200);
    expect(r.body).not.toHaveProperty('name');
    expect(h.violations).toEqual([]);
  });
});
