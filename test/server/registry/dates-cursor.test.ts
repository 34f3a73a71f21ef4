import { describe, expect, it } from 'vitest';
import { dateCondition, instantCondition } from '../../../src/server/registry/search/dates.js';
import { openCursor, parametersDigest, sealCursor } from '../../../src/server/registry/search/cursor.js';
import { randomBytes } from 'node:crypto';
import { thrown } from '../../thrown.js';
import { publishedContract } from '../../../src/contract/contract.js';

describe('date filters', () => {
  it('turn a day into the interval it stands for', () => {
    expect(dateCondition('d', '1985-03-15', 'birthdate')).toEqual({ sql: "(d >= ? AND d < ?) AND d <> ''", args: ['1985-03-15', '1985-03-16'] });
    expect(dateCondition('d', 'le1985-12-31', 'birthdate')).toEqual({ sql: "d < ? AND d <> ''", args: ['1986-01-01'] });
    expect(dateCondition('d', 'gt1985-02-28', 'birthdate')).toEqual({ sql: "d >= ? AND d <> ''", args: ['1985-03-01'] });
    expect(dateCondition('d', 'ne1985-03-15', 'birthdate').sql).toContain('OR');
  });

  it('reject dates that do not exist', () => {
    expect(thrown(() => dateCondition('d', 'ge1985-02-30', 'birthdate'))).toMatchObject({ code: 'MALFORMED_REQUEST', expression: ['birthdate'] });
  });

  it('give instants the precision they are written with, in UTC', () => {
    expect(instantCondition('t', '2026-01-01', '_lastUpdated')).toMatchObject({ args: ['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z'] });
    expect(instantCondition('t', 'ge2026-01-01T10:00+02:00', '_lastUpdated')).toMatchObject({ sql: 't >= ?', args: ['2026-01-01T08:00:00.000Z'] });
    expect(instantCondition('t', '2026-01-01T10:00:05Z', '_lastUpdated')).toMatchObject({ args: ['2026-01-01T10:00:05.000Z', '2026-01-01T10:00:06.000Z'] });
    expect(instantCondition('t', 'lt2026-01-01T10:00:05.5Z', '_lastUpdated')).toMatchObject({ sql: 't < ?', args: ['2026-01-01T10:00:05.500Z'] });
    expect(thrown(() => instantCondition('t', '2026-01-01T25:00Z', '_lastUpdated'))).toMatchObject({ code: 'MALFORMED_REQUEST' });
  });
});

describe('cursors', () => {
  const key = randomBytes(32);
  const digest = parametersDigest([
    ['name', 'santos'],
    ['_count', 20],
  ]);

  it('round-trip a position for the same parameters, opaque and base64url', () => {
    const c = sealCursor(key, { values: ['santos\x1fmaria', '1985-03-15'], id: 42, direction: 'next' }, digest);
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    // Sealed: the sort key is readable neither in the token nor in its decoded bytes (a 2-character probe such as
    // the id would match random ciphertext now and then).
    expect(c).not.toContain('santos');
    expect(Buffer.from(c, 'base64url').toString('latin1')).not.toContain('santos');
    expect(openCursor(key, c, digest)).toEqual({ values: ['santos\x1fmaria', '1985-03-15'], id: 42, direction: 'next' });
  });

  it('refuse a cursor used with other parameters, forged, or sealed with another key', () => {
    const c = sealCursor(key, { values: ['x'], id: 1, direction: 'previous' }, digest);
    const other = parametersDigest([
      ['name', 'reyes'],
      ['_count', 20],
    ]);
    for (const open of [
      () => openCursor(key, c, other),
      () => openCursor(key, c.slice(0, -2) + (c.endsWith('A') ? 'BB' : 'AA'), digest),
      () => openCursor(randomBytes(32), c, digest),
      () => openCursor(key, 'abc', digest),
    ]) {
      expect(thrown(open)).toMatchObject({ code: 'MALFORMED_REQUEST', expression: ['_cursor'] });
    }
  });

  it('stay within the contract limit for three of the longest sort keys', () => {
    const c = sealCursor(
      key,
      { values: ['𝕏'.repeat(64), '𝕏'.repeat(64), '𝕏'.repeat(64)], id: Number.MAX_SAFE_INTEGER, direction: 'next', total: 10 ** 12 },
      digest,
    );
    const limit = (publishedContract.operation('searchIndividuals').parameters.find((p) => p.name === '_cursor')!.schema as { maxLength: number }).maxLength;
    expect(c.length).toBeLessThanOrEqual(limit);
  });
});
