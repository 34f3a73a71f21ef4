/**
 * The requirements catalogue and the checks that claim its ids: the coverage gate (a MUST with neither a check
 * nor a stated reason fails `npm test`), id hygiene, and the profiles' references into the catalogue.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { coverageMatrix, loadCatalogue, matchesPattern, parseCatalogue, unknownRequirementIds } from '../../src/conformance/catalogue.js';
import { allChecks } from '../../src/conformance/checks/index.js';
import { loadProfile, parseProfile, profileNames } from '../../src/conformance/profiles.js';
import { coverageText } from '../../src/cli/commands/conformance.js';

const catalogue = loadCatalogue();

describe('requirements catalogue', () => {
  it('has no MUST that is neither verified by a check nor given a notTestedReason (coverage gate)', () => {
    const uncovered = coverageMatrix(catalogue, allChecks)
      .filter((r) => r.uncovered)
      .map((r) => r.id);
    expect(uncovered).toEqual([]);
  });

  it('knows every requirement id a check claims, and every check id is unique', () => {
    expect(unknownRequirementIds(catalogue, allChecks)).toEqual([]);
    const ids = allChecks.map((c) => c.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('carries the ids of the research catalogue the issue names, plus OpenSPP contract rules', () => {
    const ids = new Set(catalogue.map((r) => r.id));
    for (const id of ['CA-01', 'TE-06', 'TR-06', 'TERR-02', 'RS-05', 'JWT-02', 'BCP-01', 'AT-06', 'MD-04', 'RL-03', 'RLH-01', 'OO-01', 'OO-03'])
      expect(ids.has(id), id).toBe(true);
    expect(catalogue.filter((r) => r.id.startsWith('OSPP-')).length).toBeGreaterThan(15);
  });

  it('gives untested requirements a reason only where no check exists (no stale reasons)', () => {
    const stale = coverageMatrix(catalogue, allChecks)
      .filter((r) => r.notTestedReason && r.checks.length > 0)
      .map((r) => r.id);
    expect(stale).toEqual([]);
  });

  it('rejects malformed catalogue entries with every problem at once', () => {
    expect(() =>
      parseCatalogue(
        'requirements:\n  - id: bad\n    level: PERHAPS\n  - id: CA-01\n    source: x\n    level: MUST\n    text: y\n  - id: CA-01\n    source: x\n    level: MUST\n    text: y\n',
      ),
    ).toThrow(/id must look like AREA-NN[\s\S]*level must be one of[\s\S]*duplicate id/);
  });

  it('cites for every source an RFC or draft section, a seed document, a public document or the repository contract', () => {
    const seeds: Record<string, string> = {
      '000': 'Authentication',
      '001': 'API V2',
      '002': 'OpenCRVS "Authenticate a client"',
      '003': 'Spry API authentication',
      '004': 'Clients and scopes',
    };
    const section = '§\\d+(\\.\\d+)*(-\\d+(\\.\\d+)*)?';
    const note = '( \\([^)]+\\))?';
    const forms: RegExp[] = [
      new RegExp(`^RFC \\d{4} (${section}|Appendix [A-Z])(, (${section}|Appendix [A-Z]))*${note}$`),
      new RegExp(`^draft-ietf-[a-z0-9-]+-\\d{2} ${section}(, ${section})*${note}$`),
      ...Object.entries(seeds).map(([n, name]) => new RegExp(`^seed ${n} \\(${name}\\) "[^"]+"(, "[^"]+")*${note}$`)),
      // A public document by name and quoted section, or by URL.
      /^[A-Z][A-Za-z0-9 .]+ "[^"]+"( \([^)]+\))?$/,
      /^[\w .-]+ \(https:\/\/[^\s)]+\)$/,
      // This repository's contract.
      /^openapi\/openapi\.yaml( \(.+\))?$/,
      // ... and its deployed dialect (openapi/deployed/).
      /^openapi\/deployed\/openapi\.yaml( \(.+\))?$/,
    ];
    const bad = catalogue.flatMap((r) =>
      r.source
        .split('; ')
        .filter((c) => /\.md\b|notes\/|\.\.\/|\/work\//.test(c) || !forms.some((f) => f.test(c)))
        .map((c) => `${r.id}: ${c}`),
    );
    expect(bad).toEqual([]);
    expect(existsSync(new URL('../../openapi/openapi.yaml', import.meta.url))).toBe(true);
    expect(existsSync(new URL('../../openapi/deployed/openapi.yaml', import.meta.url))).toBe(true);
  });

  it('prints a coverage matrix that names the uncovered MUSTs (none)', () => {
    const { text, uncovered } = coverageText();
    expect(uncovered).toEqual([]);
    expect(text).toMatch(/TR-06 +MUST +\d+ +token-response/);
    expect(text).toMatch(/uncovered: none/);
  });
});

describe('profiles', () => {
  it('load, and every id pattern they name matches a catalogue requirement', () => {
    expect(profileNames()).toEqual(['oauth21', 'opencrvs', 'openspp', 'openspp-deployed', 'rfc6749', 'spry']);
    for (const name of profileNames()) {
      const p = loadProfile(name);
      for (const pattern of [...p.requirements.include, ...Object.keys(p.requirements.exclude)]) {
        expect(
          catalogue.some((r) => matchesPattern(r.id, pattern)),
          `${name}: ${pattern}`,
        ).toBe(true);
      }
      expect(p.clientAuth.expected.length + p.clientAuth.optional.length, name).toBeGreaterThan(0);
    }
  });

  it('reports every problem of a malformed profile at once, naming where it is', () => {
    const text = 'name: x\nscope: both\ntokenEndpoint: contract\nclientAuth: { primary: carrier, expected: [basic, smoke] }\ntoken: { expiresIn: required }\n';
    expect(() => parseProfile(text, 'profiles/x.yaml')).toThrow(
      /profiles\/x\.yaml:\n {2}- scope must be api or token[\s\S]*clientAuth\.primary: unknown method 'carrier'[\s\S]*clientAuth\.expected\[1\]: unknown method 'smoke'[\s\S]*token\.pragma must be required or not-required/,
    );
  });

  it('refuses an unknown profile with the list of known ones', () => {
    expect(() => loadProfile('nope')).toThrow(/unknown profile 'nope' \(available: oauth21, opencrvs, openspp, openspp-deployed, rfc6749, spry\)/);
  });
});
