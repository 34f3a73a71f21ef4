/**
 * bulkExport: one item per identifier in request order, each read under the rules of a single read — consent,
 * shape, access log (operation `export`).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { bulkExport } from '../../../src/server/registry/bulk-export.js';
import { shapeOf } from '../../../src/server/registry/elements.js';
import { makeEngine, NID, type Engine } from './engine.js';
import { household, person } from './harness.js';

const id = (v: string) => `${NID}|${v}`;
let e: Engine;

const exportAs = (who: 'dswd' | 'consent', identifiers: string[], query: { _elements?: string; _extensions?: string } = {}) =>
  bulkExport(e.db, e.as(who), 'Individual', identifiers, shapeOf(query));

beforeEach(() => {
  e = makeEngine();
  const farmer = { farmer: { url: 'urn:openspp:extension:farmer', farmSize: 2 } };
  e.create('Individual', person('PH-1', 'Santos', 'Maria', { birthDate: '1985-03-15', extension: farmer }));
  e.create('Individual', person('PH-2', 'Reyes', 'Ana', { birthDate: '1990-01-01' }));
  e.create('Individual', person('PH-3', 'Cruz', 'Jose', { birthDate: '1970-07-07', extension: farmer }));
  e.create('Group', household('HH-1', 'Santos household', ['PH-1']));
  e.create('Group', household('HH-2', 'Reyes household', ['PH-2']));
  e.consent(`Individual/${id('PH-1')}`, ['Individual']);
  e.consent(`Individual/${id('PH-3')}`, ['Individual'], { fieldAccess: 'basic' });
  e.consent('Group/urn:openspp:group|HH-1', ['Group']);
});

describe('a legal-basis client', () => {
  it('gets every record, in request order, with the counts', () => {
    const r = exportAs('dswd', [id('PH-3'), id('PH-1'), id('PH-2')]);
    expect(r.items.map((i) => [i.identifier, i.status, i.resource?.identifier[0]?.value])).toEqual([
      [id('PH-3'), 'success', 'PH-3'],
      [id('PH-1'), 'success', 'PH-1'],
      [id('PH-2'), 'success', 'PH-2'],
    ]);
    expect([r.total, r.successful, r.failed]).toEqual([3, 3, 0]);
  });

  it('an unknown identifier: not_found, "Individual not found", counted as failed', () => {
    const r = exportAs('dswd', [id('PH-1'), id('PH-404')]);
    expect(r.items[1]).toEqual({ identifier: id('PH-404'), status: 'not_found', error: 'Individual not found' });
    expect([r.total, r.successful, r.failed]).toEqual([2, 1, 1]);
  });

  it('an identifier without |: error, "Invalid identifier format"', () => {
    const r = exportAs('dswd', ['PH-1', id('PH-2')]);
    expect(r.items[0]).toEqual({ identifier: 'PH-1', status: 'error', error: 'Invalid identifier format. Expected: {system}|{value}' });
    expect(r.items[1]!.status).toBe('success');
  });

  it('an identifier with an empty system or value is malformed too', () => {
    expect(exportAs('dswd', ['|PH-1', `${NID}|`]).items.map((i) => i.status)).toEqual(['error', 'error']);
  });

  it('the same identifier twice gives two items', () => {
    const r = exportAs('dswd', [id('PH-1'), id('PH-1')]);
    expect(r.items.map((i) => i.status)).toEqual(['success', 'success']);
    expect(r.total).toBe(2);
  });

  it('resolves identifiers within the type asked for: an Individual is not a Group', () => {
    const r = bulkExport(e.db, e.as('dswd'), 'Group', ['urn:openspp:group|HH-2', id('PH-1')]);
    expect(r.items[0]!.resource?.name).toBe('Reyes household');
    expect(r.items[1]).toEqual({ identifier: id('PH-1'), status: 'not_found', error: 'Group not found' });
  });

  it('_elements narrows each resource (resourceType, identifier and meta stay)', () => {
    const resource = exportAs('dswd', [id('PH-1')], { _elements: 'birthDate' }).items[0]!.resource!;
    expect(Object.keys(resource).sort()).toEqual(['birthDate', 'identifier', 'meta', 'resourceType']);
  });

  it('extension blocks only when _extensions asks for them', () => {
    expect(exportAs('dswd', [id('PH-1')]).items[0]!.resource).not.toHaveProperty('extension');
    expect(exportAs('dswd', [id('PH-1')], { _extensions: 'farmer' }).items[0]!.resource?.extension?.farmer?.farmSize).toBe(2);
  });

  it('records each record returned in the access log as an export, and nothing for the failures', () => {
    exportAs('dswd', [id('PH-2'), 'bad', id('PH-404'), id('PH-1')]);
    expect(e.logged.map((l) => [l.operation, l.resourceType, l.subject?.type])).toEqual([
      ['export', 'Individual', 'Individual'],
      ['export', 'Individual', 'Individual'],
    ]);
    const ids = e.db
      .prepare("SELECT record_id FROM identifiers WHERE resource_type = 'Individual' AND value IN ('PH-2', 'PH-1') ORDER BY value DESC")
      .pluck()
      .all();
    expect(e.logged.map((l) => l.recordId)).toEqual(ids);
  });

  it('an empty list gives an empty result', () => {
    expect(exportAs('dswd', [])).toEqual({ total: 0, successful: 0, failed: 0, items: [] });
  });
});

describe('a consent-bound client', () => {
  it('gets a consented record', () => {
    const r = exportAs('consent', [id('PH-1')]);
    expect(r.items[0]!.status).toBe('success');
    expect(r.items[0]!.resource?.birthDate).toBe('1985-03-15');
  });

  it('an unconsented record and an unknown identifier are the same access_denied', () => {
    const [unconsented, unknown] = exportAs('consent', [id('PH-2'), id('PH-404')]).items;
    expect(unconsented).toEqual({ identifier: id('PH-2'), status: 'access_denied', error: 'Access denied' });
    expect({ ...unknown, identifier: id('PH-2') }).toEqual(unconsented);
  });

  it('a malformed identifier is still an error', () => {
    expect(exportAs('consent', ['nobar']).items[0]!.status).toBe('error');
  });

  it('a basic consent narrows the record to the basic fields', () => {
    const resource = exportAs('consent', [id('PH-3')], { _extensions: '*' }).items[0]!.resource!;
    expect(Object.keys(resource).sort()).toEqual(['active', 'identifier', 'meta', 'name', 'resourceType']);
  });

  it('a consent that does not cover extension blocks drops them', () => {
    e.create('Individual', person('PH-4', 'Lim', 'Rosa', { extension: { farmer: { url: 'urn:openspp:extension:farmer', farmSize: 1 } } }));
    e.consent(`Individual/${id('PH-4')}`, ['Individual'], { includeExtensions: false });
    expect(exportAs('consent', [id('PH-4')], { _extensions: '*' }).items[0]!.resource).not.toHaveProperty('extension');
  });

  it("a household's consent covers its Group record", () => {
    const r = bulkExport(e.db, e.as('consent'), 'Group', ['urn:openspp:group|HH-1', 'urn:openspp:group|HH-2']);
    expect(r.items.map((i) => i.status)).toEqual(['success', 'access_denied']);
  });

  it('a consent that has expired does not count', () => {
    const later = new Date('2031-01-01T00:00:00.000Z');
    const r = bulkExport(e.db, e.as('consent', later), 'Individual', [id('PH-1')]);
    expect(r.items[0]!.status).toBe('access_denied');
  });

  it('records only the records it was shown', () => {
    exportAs('consent', [id('PH-1'), id('PH-2'), id('PH-404')]);
    expect(e.logged.map((l) => l.operation)).toEqual(['export']);
  });
});
