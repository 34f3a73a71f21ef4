/** The JSON report: the RunReport as is (its schema is conformance/report-schema.json). */
import type { RunReport } from '../types.js';

/** The report as JSON (conformance/report-schema.json). */
export function jsonReport(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
