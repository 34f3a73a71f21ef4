import { describe, expect, it } from 'vitest';
import { contract, resolveRef } from '../../src/contract/index.js';
import type { JsonSchema, MediaTypeObject, ResponseObject } from '../../src/contract/document.js';
import { errorCodes, type ErrorCode } from '../../src/contract/index.js';
import { contractValidator } from '../../src/contract/index.js';

interface ExampleCase {
  where: string;
  schema: JsonSchema;
  value: unknown;
  status?: number;
}

function mediaExamples(where: string, media: MediaTypeObject, status?: number): ExampleCase[] {
  const schema = media.schema ?? true;
  const cases: ExampleCase[] = [];
  if (media.example !== undefined) cases.push({ where, schema, value: media.example, status });
  for (const [name, ex] of Object.entries(media.examples ?? {})) {
    const resolved = resolveRef<{ value?: unknown }>(ex, contract);
    cases.push({ where: `${where} example '${name}'`, schema, value: resolved.value, status });
  }
  return cases;
}

/** Every example of every request and response body in the contract. */
function bodyExamples(): { cases: ExampleCase[]; bodiesWithoutExample: string[] } {
  const cases: ExampleCase[] = [];
  const bodiesWithoutExample: string[] = [];
  for (const [path, item] of Object.entries(contract.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (typeof op !== 'object' || op === null || !('responses' in op)) continue;
      const operation = op as { operationId: string; requestBody?: { content: Record<string, MediaTypeObject> }; responses: Record<string, unknown> };
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
        const found = mediaExamples(`${operation.operationId} request ${type}`, media);
        if (!found.length) bodiesWithoutExample.push(`${method} ${path} request ${type}`);
        cases.push(...found);
      }
      for (const [status, r] of Object.entries(operation.responses)) {
        const response = resolveRef<ResponseObject>(r as ResponseObject, contract);
        for (const [type, media] of Object.entries(response.content ?? {})) {
          const found = mediaExamples(`${operation.operationId} ${status} ${type}`, media, Number(status));
          if (!found.length) bodiesWithoutExample.push(`${method} ${path} ${status} ${type}`);
          cases.push(...found);
        }
      }
    }
  }
  return { cases, bodiesWithoutExample };
}

/** `examples` arrays written inside schemas (e.g. on Identifier.system). */
function schemaExamples(node: unknown, where: string, out: ExampleCase[] = []): ExampleCase[] {
  if (typeof node !== 'object' || node === null) return out;
  const schema = node as Record<string, unknown>;
  if (Array.isArray(schema.examples)) {
    for (const value of schema.examples) out.push({ where, schema: schema as JsonSchema, value });
  }
  for (const [key, child] of Object.entries(schema)) {
    if (key === 'examples' || key === 'example') continue;
    schemaExamples(child, `${where}/${key}`, out);
  }
  return out;
}

const { cases, bodiesWithoutExample } = bodyExamples();

describe('contract examples', () => {
  it('every request and response body has at least one example', () => {
    expect(bodiesWithoutExample).toEqual([]);
    expect(cases.length).toBeGreaterThan(100);
  });

  it.each(cases.map((c) => [c.where, c] as const))('%s validates against its schema', (_where, c) => {
    const validate = contractValidator.schema(c.schema, `example:${c.where}`);
    const ok = validate(c.value);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('examples written inside schemas validate against their schema', () => {
    const inSchemas = schemaExamples(contract.components.schemas, '#/components/schemas');
    expect(inSchemas.length).toBeGreaterThan(3);
    for (const c of inSchemas) {
      const { examples: _ignored, ...withoutExamples } = c.schema as Record<string, unknown>;
      const validate = contractValidator.schema(withoutExamples, `schema-example:${c.where}:${JSON.stringify(c.value)}`);
      expect(validate(c.value), `${c.where}: ${JSON.stringify(c.value)}`).toBe(true);
    }
  });

  it('every parameter example validates against the parameter schema', () => {
    let checked = 0;
    for (const [name, p] of Object.entries(contract.components.parameters ?? {})) {
      const param = p as { schema: JsonSchema; example?: unknown };
      if (param.example === undefined) continue;
      const validate = contractValidator.schema(param.schema, `param-example:${name}`);
      expect(validate(param.example), `parameter ${name}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });
});

describe('OperationOutcome examples agree with the error catalogue (ErrorCode x-codes)', () => {
  type Issue = { code: string; details: { coding: Array<{ code: ErrorCode }> } };
  const outcomes: Array<{ where: string; status: number; issues: Issue[] }> = [];
  for (const c of cases) {
    const v = c.value as { resourceType?: string; issue?: Issue[]; entry?: Array<{ response?: { status: string; outcome?: { issue: Issue[] } } }> };
    if (v?.resourceType === 'OperationOutcome' && c.status) outcomes.push({ where: c.where, status: c.status, issues: v.issue ?? [] });
    for (const [i, e] of (v?.entry ?? []).entries()) {
      if (e.response?.outcome)
        outcomes.push({ where: `${c.where} entry[${i}]`, status: Number(e.response.status.slice(0, 3)), issues: e.response.outcome.issue });
    }
  }

  it('finds the error examples', () => {
    expect(outcomes.length).toBeGreaterThan(20);
  });

  it.each(outcomes.map((o) => [o.where, o] as const))('%s', (_where, o) => {
    for (const [i, issue] of o.issues.entries()) {
      const code = issue.details.coding[0]!.code;
      const def = errorCodes[code];
      expect(issue.code, `issue type of ${code}`).toBe(def.issue);
      // The first issue decides the status; TRANSACTION_FAILED takes the status of the failed entry (issue 2).
      if (i === 0 && def.status !== null) expect(o.status, `status of ${code}`).toBe(def.status);
      if (i === 0 && def.status === null) expect(errorCodes[o.issues[1]!.details.coding[0]!.code].status).toBe(o.status);
    }
  });
});
