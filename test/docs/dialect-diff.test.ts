/** The differences between the two dialects, computed from their documents. */
import { describe, expect, it } from 'vitest';
import { Contract, deployedContract, publishedContract } from '../../src/contract/contract.js';
import { dialectDifferences } from '../../src/docs/dialect-diff.js';
import { differencesPage } from '../../src/docs/differences-page.js';

const differences = dialectDifferences(publishedContract, deployedContract);
const byId = (id: string) => differences.find((d) => d.id === id);

describe('dialect differences', () => {
  it('a contract has no difference with itself', () => {
    expect(dialectDifferences(publishedContract, publishedContract)).toEqual([]);
    expect(dialectDifferences(deployedContract, deployedContract)).toEqual([]);
  });

  it('one operation removed from a copy is exactly one difference', () => {
    const doc = structuredClone(deployedContract.document);
    delete doc.paths['/Individual/{identifier}/groups'];
    const found = dialectDifferences(deployedContract, new Contract(doc, publishedContract));
    expect(found).toEqual([
      {
        id: 'operation:GET /Individual/{identifier}/groups',
        area: 'operation',
        subject: 'GET /Individual/{identifier}/groups',
        a: 'The groups of an Individual',
        b: '—',
      },
    ]);
  });

  it('finds the differences the implementation note lists (§11)', () => {
    expect(byId('document:errors')?.b).toMatch(/detail/);
    expect(byId('document:token-lifetime')).toMatchObject({ a: '3600', b: '86400' });
    expect(byId('schema:Individual:properties')).toMatchObject({ a: 'fields resourceType', b: 'fields photo, type' });
    expect(byId('schema:Group:properties')?.b).toContain('groupType');
    expect(byId('response:GET /Individual:fields')).toMatchObject({ a: 'fields entry, link, resourceType, total, type', b: 'fields data, links, meta' });
    expect(byId('scopes:GET /Individual')).toMatchObject({ a: 'individual:search or individual:all', b: 'individual:read or individual:all' });
    expect(byId('schema:MembershipStatus:enum')).toBeDefined();
    for (const op of ['PATCH /Individual/{identifier}', 'POST /$bulk/export', 'POST /Group/$merge', 'GET /Group/{identifier}/membership-history']) {
      expect(byId(`operation:${op}`)?.a, op).toBe('—');
    }
    expect(byId('operation:PUT /Individual')?.b).toBe('—');
  });

  it('the page lists every one of them', () => {
    const html = differencesPage({ contract: publishedContract, label: 'Published' }, { contract: deployedContract, label: 'Deployed' });
    expect(html).toContain(`${differences.length} differences`);
    expect((html.match(/<tr><td>/g) ?? []).length).toBe(differences.length);
  });
});
