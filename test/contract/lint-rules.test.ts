/**
 * The custom lint rules in openapi/redocly.yaml are real: each one, applied to a copy of the contract with one
 * deliberate fault, reports that fault; the unmodified copy is clean.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lint, loadConfig } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

process.env.REDOCLY_TELEMETRY = 'off';
const source = fileURLToPath(new URL('../../openapi', import.meta.url));
let base: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'spp-lint-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Lints a copy of the contract after applying `edit` (file relative to openapi/, text to find, replacement). */
async function lintWith(name: string, edit?: { file: string; find: string | RegExp; replace: string }) {
  const dir = join(base, name);
  await cp(source, dir, { recursive: true });
  if (edit) {
    const file = join(dir, edit.file);
    const text = await readFile(file, 'utf8');
    const changed = text.replace(edit.find, edit.replace);
    expect(changed, `edit of ${edit.file} applied`).not.toBe(text);
    await writeFile(file, changed);
  }
  const config = await loadConfig({ configPath: join(dir, 'redocly.yaml') });
  const problems = await lint({ ref: join(dir, 'openapi.yaml'), config });
  return problems.map((p) => `${p.ruleId}: ${p.message}`);
}

describe('contract lint rules', () => {
  it('report nothing on the contract as it is', async () => {
    expect(await lintWith('clean')).toEqual([]);
  });

  const faults: Array<[rule: string, edit: { file: string; find: string | RegExp; replace: string }]> = [
    [
      'rule/secured-operation-declares-auth-errors',
      { file: 'paths/individual.yaml', find: "    '429':\n      $ref: ../components/responses/TooManyRequests.yaml\n", replace: '' },
    ],
    ['rule/error-response-is-operation-outcome', { file: 'components/responses/NotFound.yaml', find: 'OperationOutcome.yaml', replace: 'OAuthError.yaml' }],
    ['rule/operation-id-camel-case', { file: 'paths/program.yaml', find: 'operationId: searchPrograms', replace: 'operationId: search_programs' }],
    ['rule/media-type-has-example', { file: 'paths/jwks.yaml', find: / {10}examples:\n[\s\S]*?keys: \[\]\n/, replace: '' }],
    ['rule/operation-security-explicit', { file: 'paths/metadata.yaml', find: '  security: []\n', replace: '' }],
    [
      'rule/response-has-api-version-header',
      {
        file: 'paths/docs.yaml',
        find: '        X-API-Version:\n          $ref: ../components/headers/X-API-Version.yaml\n',
        replace: '        X-Other:\n          $ref: ../components/headers/X-API-Version.yaml\n',
      },
    ],
    ['rule/operation-description-present', { file: 'paths/batch.yaml', find: / {2}description: \|\n {4}Send a Bundle[\s\S]*?header\.\n/, replace: '' }],
    ['operation-operationId-unique', { file: 'paths/group.yaml', find: 'operationId: searchGroups', replace: 'operationId: searchIndividuals' }],
  ];

  it.each(faults)('%s catches its fault', async (rule, edit) => {
    const problems = await lintWith(rule.replace(/\W/g, '-'), edit);
    expect(
      problems.some((p) => p.startsWith(`${rule}:`)),
      problems.join('\n'),
    ).toBe(true);
  });
});
