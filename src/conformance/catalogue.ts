/**
 * The requirements catalogue (conformance/requirements.yaml): loading, validation, and the pure functions that
 * map levels to severities and compute the coverage matrix.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { dataDir } from './data-dir.js';
import { dottedPath, schemaProblems, schemaValidator, type PathLabel } from './file-schemas.js';
import type { Level, Requirement, Severity } from './types.js';

/** How a failed requirement weighs: MUST-level fails the run, SHOULD-level warns, the rest informs. */
export function severityOf(level: Level): Severity {
  if (level === 'MUST' || level === 'MUST NOT' || level === 'REQUIRED' || level === 'SHALL') return 'must';
  if (level === 'SHOULD' || level === 'SHOULD NOT' || level === 'RECOMMENDED') return 'should';
  return 'may';
}

/** `requirements[3] (CA-04)`: the entry a problem is in, with its id when it has one. */
const entryLabel: PathLabel = (segments, root) => {
  const [list, index] = segments;
  if (list !== 'requirements' || index === undefined) return dottedPath(segments, root);
  const id = (root as { requirements?: Array<{ id?: unknown } | null> }).requirements?.[Number(index)]?.id;
  return `requirements[${index}]${typeof id === 'string' ? ` (${id})` : ''}`;
};

/** Parses and validates catalogue text (conformance/requirements-schema.json, unique ids); throws one message listing every problem. */
export function parseCatalogue(text: string): Requirement[] {
  const doc = parse(text) as { requirements?: Requirement[] } | null;
  const problems = schemaProblems(schemaValidator('requirements'), doc, entryLabel);
  const seen = new Set<string>();
  for (const [i, r] of (Array.isArray(doc?.requirements) ? doc.requirements : []).entries()) {
    if (typeof r?.id !== 'string') continue;
    if (seen.has(r.id)) problems.push(`${entryLabel(['requirements', String(i)], doc)}: duplicate id`);
    seen.add(r.id);
  }
  if (problems.length) throw new Error(`requirements.yaml:\n  ${problems.join('\n  ')}`);
  return doc!.requirements!.map((r) => ({
    id: r.id,
    source: r.source,
    level: r.level,
    text: r.text,
    ...(r.notTestedReason !== undefined ? { notTestedReason: r.notTestedReason } : {}),
  }));
}

let cached: Requirement[] | undefined;

/** conformance/requirements.yaml, parsed and validated once. */
export function loadCatalogue(): Requirement[] {
  return (cached ??= parseCatalogue(readFileSync(new URL('requirements.yaml', dataDir), 'utf8')));
}

/** The catalogue by requirement id. */
export function catalogueById(catalogue: Requirement[] = loadCatalogue()): Map<string, Requirement> {
  return new Map(catalogue.map((r) => [r.id, r]));
}

/** `CA-*` style patterns, as the profiles write them. */
export function matchesPattern(id: string, pattern: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return id.startsWith(pattern.slice(0, -1));
  return id === pattern;
}

export interface CoverageRow {
  id: string;
  level: Level;
  severity: Severity;
  source: string;
  text: string;
  checks: string[];
  notTestedReason?: string;
  /** A MUST with neither a check nor a reason. */
  uncovered: boolean;
}

/** The coverage matrix: every requirement with the checks that verify it. Pure. */
export function coverageMatrix(catalogue: Requirement[], checks: ReadonlyArray<{ id: string; verifies: readonly string[] }>): CoverageRow[] {
  const byReq = new Map<string, string[]>();
  for (const c of checks) for (const r of c.verifies) byReq.set(r, [...(byReq.get(r) ?? []), c.id]);
  return catalogue.map((r) => {
    const list = byReq.get(r.id) ?? [];
    const severity = severityOf(r.level);
    return {
      id: r.id,
      level: r.level,
      severity,
      source: r.source,
      text: r.text,
      checks: list,
      ...(r.notTestedReason ? { notTestedReason: r.notTestedReason } : {}),
      uncovered: severity === 'must' && list.length === 0 && !r.notTestedReason,
    };
  });
}

/** Requirement ids that checks claim but the catalogue lacks. Pure. */
export function unknownRequirementIds(catalogue: Requirement[], checks: ReadonlyArray<{ id: string; verifies: readonly string[] }>): string[] {
  const known = new Set(catalogue.map((r) => r.id));
  return [...new Set(checks.flatMap((c) => c.verifies.filter((v) => !known.has(v)).map((v) => `${c.id} → ${v}`)))];
}
