/**
 * The page that lists every difference between two dialects (dialect-diff.ts), grouped by what differs. Plain
 * HTML with inline styles: it renders offline like the API pages it sits beside.
 */
import type { Contract } from '../contract/contract.js';
import { dialectDifferences, type DialectDifference, type DifferenceArea } from './dialect-diff.js';

export const DIFFERENCES_FILE = 'differences.html';

const AREAS: Record<DifferenceArea, string> = {
  document: 'Conventions',
  operation: 'Operations only one dialect has',
  scopes: 'Scopes an operation needs',
  parameters: 'Query parameters',
  statuses: 'Declared statuses',
  request: 'Request bodies',
  response: 'Success bodies',
  headers: 'Required response headers',
  schema: 'Schemas both define',
};

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function section(area: DifferenceArea, rows: DialectDifference[], a: string, b: string): string {
  const body = rows.map((d) => `<tr><td><code>${escape(d.subject)}</code></td><td>${escape(d.a)}</td><td>${escape(d.b)}</td></tr>`).join('\n');
  return `<h2>${AREAS[area]} (${rows.length})</h2>
<table><thead><tr><th>What</th><th>${escape(a)}</th><th>${escape(b)}</th></tr></thead><tbody>
${body}
</tbody></table>`;
}

/** The differences page of two contracts, `nav` (the links between pages) at its top. */
export function differencesPage(a: { contract: Contract; label: string }, b: { contract: Contract; label: string }, nav = ''): string {
  const differences = dialectDifferences(a.contract, b.contract);
  const areas = (Object.keys(AREAS) as DifferenceArea[]).filter((area) => differences.some((d) => d.area === area));
  const sections = areas.map((area) =>
    section(
      area,
      differences.filter((d) => d.area === area),
      a.label,
      b.label,
    ),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(`${a.label} and ${b.label}: differences`)}</title>
<style>body{font:14px/1.45 sans-serif;margin:0}main{padding:16px 24px}table{border-collapse:collapse;width:100%;margin-bottom:24px}
th,td{border:1px solid #dde;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f4f6f8}code{font-size:13px}</style></head>
<body>${nav}<main>
<h1>${escape(a.label)} and ${escape(b.label)}: ${differences.length} difference${differences.length === 1 ? '' : 's'}</h1>
<p>Computed from the two contracts (${escape(a.contract.document.info.title)} ${escape(a.contract.version)} and ${escape(b.contract.document.info.title)} ${escape(b.contract.version)}) when the documentation was built; “—” means the dialect has nothing there.</p>
${sections.join('\n')}
</main></body></html>
`;
}
