/**
 * The fuzzing run: generate requests from a seed, send each over a real socket (undici: raw bytes, repeated
 * headers), and hold every answer to the invariants —
 *
 *   no 5xx · the status is declared for the operation · the answer validates against the contract (errors are
 *   OperationOutcomes, or RFC 6749 bodies on the token endpoint) · no credential comes back · the server still
 *   answers a normal request afterwards.
 *
 * A violation carries the seed and the request's index, so any failure can be replayed exactly.
 */
import fc from 'fast-check';
import { Pool } from 'undici';
import type { Contract } from '../../src/contract/contract.js';
import { requestsFor, type FuzzContext, type FuzzRequest } from './requests.js';

export interface Violation {
  index: number;
  request: { op: string; strategy: string; method: string; path: string; headers: string[]; bodyBytes: number };
  status: number;
  problems: string[];
}

export interface FuzzReport {
  seed: number;
  requests: number;
  byOperation: Record<string, number>;
  byStrategy: Record<string, number>;
  byStatus: Record<string, number>;
  violations: Violation[];
  ms: number;
}

export interface FuzzOptions {
  /** Origin of the server, e.g. http://127.0.0.1:8069 */
  origin: string;
  contract: Contract;
  context: FuzzContext;
  seed: number;
  requests: number;
  /** A normal request is checked after every this many (default 250). */
  livenessEvery?: number;
  onProgress?: (done: number) => void;
}

function cut(text: string, n = 160): string {
  return text.length > n ? `${text.slice(0, n)}… (${text.length} chars)` : text;
}

/** The problems an answer has for the request it answers (empty: it holds every invariant). */
function judge(contract: Contract, req: FuzzRequest, status: number, headers: Headers, text: string, secrets: readonly string[]): string[] {
  const problems: string[] = [];
  const op = contract.operation(req.op);
  if (status >= 500) problems.push(`5xx: ${status}`);
  if (!op.responses.has(status)) problems.push(`status ${status} is not declared for ${op.id} (declared: ${[...op.responses.keys()].join(', ')})`);
  for (const secret of secrets) {
    if (text.includes(secret)) problems.push('a credential appears in the body');
    headers.forEach((v, k) => {
      if (v.includes(secret)) problems.push(`a credential appears in header ${k}`);
    });
  }
  const contentType = headers.get('content-type');
  let body: unknown = text || undefined;
  if (contentType?.includes('json') && text) {
    try {
      body = JSON.parse(text);
    } catch {
      problems.push('the body is not the JSON its Content-Type says');
    }
  }
  if (op.responses.has(status)) {
    for (const issue of contract.validator.validateResponse(op, { status, headers, contentType, body })) problems.push(`contract: ${issue.message}`);
  }
  return problems;
}

function headersOf(raw: Record<string, string | string[] | undefined>): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw)) for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) h.append(k, x);
  return h;
}

/** Runs the fuzzer; never throws for what the server does (that is what the report is for). */
export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const { contract, context, seed } = options;
  const requests = fc.sample(requestsFor(context), { seed, numRuns: options.requests });
  const pool = new Pool(options.origin, { connections: 4, pipelining: 1 });
  const report: FuzzReport = { seed, requests: requests.length, byOperation: {}, byStrategy: {}, byStatus: {}, violations: [], ms: 0 };
  const every = options.livenessEvery ?? 250;
  const livenessPath = `${contract.basePath}/metadata`;
  try {
    for (const [index, req] of requests.entries()) {
      report.byOperation[req.op] = (report.byOperation[req.op] ?? 0) + 1;
      report.byStrategy[req.strategy] = (report.byStrategy[req.strategy] ?? 0) + 1;
      const summary = {
        op: req.op,
        strategy: req.strategy,
        method: req.method,
        path: cut(req.path),
        headers: req.headers.map((h) => cut(h, 60)),
        bodyBytes: req.body?.byteLength ?? 0,
      };
      let status = 0;
      try {
        const signal = AbortSignal.timeout(20_000);
        const res = await pool.request({
          method: req.method as 'GET',
          path: req.path,
          headers: req.headers,
          ...(req.body ? { body: Buffer.from(req.body) } : {}),
          signal,
        });
        status = res.statusCode;
        const text = await res.body.text();
        report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
        const problems = judge(contract, req, status, headersOf(res.headers), text, context.secrets);
        if (problems.length) report.violations.push({ index, request: summary, status, problems: [...new Set(problems)] });
      } catch (e) {
        // A closed connection is acceptable only after an answer the server chose to close on (431 beyond Node's limit).
        report.byStatus.error = (report.byStatus.error ?? 0) + 1;
        report.violations.push({ index, request: summary, status, problems: [`no answer: ${(e as Error).message}`] });
      }
      if ((index + 1) % every === 0 || index === requests.length - 1) {
        const alive = await pool.request({ method: 'GET', path: livenessPath }).then(
          async (r) => (await r.body.text(), r.statusCode),
          () => 0,
        );
        if (alive !== 200)
          report.violations.push({ index, request: summary, status: alive, problems: [`the server no longer answers GET ${livenessPath} (got ${alive})`] });
        options.onProgress?.(index + 1);
      }
    }
  } finally {
    await pool.close();
  }
  report.ms = Date.now() - started;
  return report;
}

/** A few lines for people: counts per operation and strategy, and the first violations with their replay data. */
export function describeReport(report: FuzzReport): string {
  const lines = [
    `fuzz: ${report.requests} requests, seed ${report.seed}, ${(report.ms / 1000).toFixed(1)} s, ${report.violations.length} violation(s)`,
    `  by status: ${Object.entries(report.byStatus)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ')}`,
    `  by strategy: ${Object.entries(report.byStrategy)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ')}`,
    '  by operation:',
    ...Object.entries(report.byOperation)
      .sort()
      .map(([k, v]) => `    ${k.padEnd(36)} ${v}`),
  ];
  for (const v of report.violations.slice(0, 20)) {
    lines.push(
      `  ✗ #${v.index} (replay: --seed ${report.seed}, request ${v.index}) ${v.request.method} ${v.request.path} [${v.request.strategy}] → ${v.status}: ${v.problems.join('; ')}`,
    );
  }
  return lines.join('\n');
}
