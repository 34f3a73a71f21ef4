import { describe, expect, it } from 'vitest';
import { encodePathSegment, formatReference, parseIdentifier, parseReference, recordUrl } from '../../../src/server/registry/identifiers.js';
import { narrow, shapeOf } from '../../../src/server/registry/elements.js';
import { parseIfMatch } from '../../../src/server/registry/service.js';
import { thrown } from '../../thrown.js';

describe('identifiers', () => {
  it('split on the first |, so a value may not hide a second system', () => {
    expect(parseIdentifier('urn:a:b|v|w')).toEqual({ system: 'urn:a:b', value: 'v|w' });
    expect(parseIdentifier('urn:openspp:vocab:id-type#national_id|IND-001')).toEqual({
      system: 'urn:openspp:vocab:id-type#national_id',
      value: 'IND-001',
    });
  });

  it('reject text that is not {system}|{value} with INVALID_IDENTIFIER', () => {
    for (const bad of ['no-bar', '|value', 'urn:a:b|']) {
      expect(thrown(() => parseIdentifier(bad))).toMatchObject({ code: 'INVALID_IDENTIFIER' });
    }
  });

  it('percent-encode everything that is not an RFC 3986 pchar', () => {
    expect(encodePathSegment('urn:gov:ph:psa:national-id')).toBe('urn:gov:ph:psa:national-id');
    expect(encodePathSegment('a#b/c|d e%f?g')).toBe('a%23b%2Fc%7Cd%20e%25f%3Fg');
    expect(encodePathSegment("!$&'()*+,;=:@-._~")).toBe("!$&'()*+,;=:@-._~");
    expect(encodePathSegment('Niño')).toBe('Ni%C3%B1o');
  });

  it('build the canonical record URL with %7C between system and value', () => {
    expect(recordUrl('/api/v2/spp', 'Individual', { system: 'urn:openspp:vocab:id-type#national_id', value: 'A/1' })).toBe(
      '/api/v2/spp/Individual/urn:openspp:vocab:id-type%23national_id%7CA%2F1',
    );
  });

  it('parse and format references Type/{system}|{value}', () => {
    const ref = 'Group/urn:lgu/qc:households|HH-1';
    const r = parseReference(ref, 'member');
    expect(r).toEqual({ type: 'Group', identifier: { system: 'urn:lgu/qc:households', value: 'HH-1' } });
    expect(formatReference(r.type, r.identifier)).toBe(ref);
    expect(thrown(() => parseReference('Household/urn:x|1', 'member'))).toMatchObject({ code: 'INVALID_REFERENCE', expression: ['member'] });
    expect(thrown(() => parseReference('Group/no-bar', 'member'))).toMatchObject({ code: 'INVALID_REFERENCE' });
  });

  it('read If-Match as strong or weak tags (and bare numbers inside $batch)', () => {
    expect(parseIfMatch('"3"')).toBe(3);
    expect(parseIfMatch('W/"3"')).toBe(3);
    expect(parseIfMatch('3')).toBe(3);
    expect(parseIfMatch(undefined)).toBeUndefined();
  });

  it('_elements keeps resourceType, identifier and meta, and selects fields inside fields', () => {
    const r = {
      resourceType: 'Individual',
      identifier: [],
      active: true,
      name: { family: 'A', given: 'B' },
      address: [{ city: 'C', line: ['x'] }, { line: ['y'] }],
      birthDate: 'x',
      meta: {},
    };
    expect(Object.keys(narrow(r, shapeOf({ _elements: 'birthDate' })))).toEqual(['resourceType', 'identifier', 'birthDate', 'meta']);
    expect(narrow(r, shapeOf({ _elements: 'name.family,address.city' }))).toEqual({
      resourceType: 'Individual',
      identifier: [],
      name: { family: 'A' },
      address: [{ city: 'C' }],
      meta: {},
    });
    expect(narrow(r, undefined)).toBe(r);
    // Sub-fields of what is always returned do not cut it down.
    expect(narrow(r, shapeOf({ _elements: 'identifier.system,meta.versionId,resourceType.x' }))).toEqual({
      resourceType: 'Individual',
      identifier: [],
      meta: {},
    });
  });

  it('_extensions returns the blocks asked for (or all with *), and none unless asked', () => {
    const r = { resourceType: 'Individual', identifier: [], extension: { farmer: { url: 'f' }, disability: { url: 'd' } }, meta: {} };
    expect(narrow(r, shapeOf({}))).toEqual({ resourceType: 'Individual', identifier: [], meta: {} });
    expect(narrow(r, shapeOf({ _extensions: 'farmer,unknown' })).extension).toEqual({ farmer: { url: 'f' } });
    expect(narrow(r, shapeOf({ _extensions: '*' })).extension).toEqual(r.extension);
    expect(narrow(r, shapeOf({ _extensions: 'unknown' }))).not.toHaveProperty('extension');
  });
});
