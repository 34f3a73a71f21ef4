/**
 * The requirements catalogue (conformance/requirements.yaml): loading, validation, and the pure functions that
 * map levels to severities and compute the coverage matrix.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Level, Requirement, Severity } from './types.js';

/** conformance/ at the package root: two levels up from both src/conformance and dist/conformance. */
export const dataDir = new URL('../../conformance/', import.meta.url);

const LEVELS: readonly Level[] = ['MUST', 'MUST NOT', 'REQUIRED', 'SHALL', 'SHOULD', 'SHOULD NOT', 'RECOMMENDED', 'MAY', 'OPTIONAL', 'INFO'];

export function severityOf(level: Level): Severity {
  if (level === 'MUST' || level === 'MUST NOT' || level === 'REQUIRED' || level === 'SHALL') return 'must';
  if (level === 'SHOULD' || level === 'SHOULD NOT' || level === 'RECOMMENDED') return 'should';
  return 'may';
}

/** Parses and validates catalogue text; throws one message listing every problem. */
export function parseCatalogue(text: string): Requirement[] {
  const doc = parse(text) as { requirements?: unknown };
  if (!doc || !Array.isArray(doc.requirements)) throw new Error('requirements.yaml: a top-level `requirements` list is required');
  const problems: string[] = [];
  const seen = new Set<string>();
  const out: Requirement[] = [];
  for (const [i, raw] of (doc.requirements as Array<Record<string, unknown>>).entries()) {
    const where = `requirements[${i}]${typeof raw?.id === 'string' ? ` (${raw.id})` : ''}`;
    if (typeof raw !== 'object' || raw === null) {
      problems.push(`${where}: not an object`);
      continue;
    }
    const { id, source, level, text: line, notTestedReason } = raw;
    if (typeof id !== 'string' || !/^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$/.test(id)) problems.push(`${where}: id must look like AREA-NN`);
    else if (seen.has(id)) problems.push(`${where}: duplicate id`);
    else seen.add(id);
    if (typeof source !== 'string' || !source.trim()) problems.push(`${where}: source is required`);
    if (typeof level !== 'string' || !LEVELS.includes(level as Level)) problems.push(`${where}: level must be one of ${LEVELS.join(', ')}`);
    if (typeof line !== 'string' || !line.trim()) problems.push(`${where}: text is required`);
    if (notTestedReason !== undefined && (typeof notTestedReason !== 'string' || !notTestedReason.trim()))
      problems.push(`${where}: notTestedReason must be a sentence`);
    out.push({
      id: String(id),
      source: String(source),
      level: level as Level,
      text: String(line),
      ...(typeof notTestedReason === 'string' ? { notTestedReason } : {}),
    });
  }
  if (problems.length) throw new Error(`requirements.yaml:\n  ${problems.join('\n  ')}`);
  return out;
}

let cached: Requirement[] | undefined;

export function loadCatalogue(): Requirement[] {
  return (cached ??= parseCatalogue(readFileSync(new URL('requirements.yaml', dataDir), 'utf8')));
}

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
