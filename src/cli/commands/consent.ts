import type { Command } from 'commander';
import { CONSENT_STATUSES, ConsentAdminError, grant, list, withdraw, type ConsentStatus, type ConsentView } from '../../server/registry/consent-admin.js';
import type { Db } from '../../server/store/db.js';

interface Output {
  json?: boolean;
}

function print(opts: Output, value: unknown, text: string): void {
  console.log(opts.json ? JSON.stringify(value, null, 2) : text);
}

function describe(c: ConsentView): string {
  return [
    `consent       ${c.consentId}`,
    `organization  ${c.organization}`,
    `subject       ${c.subject}`,
    `covers        ${c.resourceTypes.join(', ')}`,
    `status        ${c.status}${c.validToday ? ' (valid today)' : ''}`,
    `effective     ${c.effectiveDate} to ${c.expiryDate}`,
    ...(c.withdrawnAt ? [`withdrawn     ${c.withdrawnAt}: ${c.withdrawalReason ?? ''}`] : []),
  ].join('\n');
}

/** Problems with the input print one line and exit with status 2, like the other admin commands. */
function guarded<A extends unknown[]>(action: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      action(...args);
    } catch (e) {
      if (!(e instanceof ConsentAdminError)) throw e;
      console.error(`spp-kit: ${e.message}`);
      process.exitCode = 2;
    }
  };
}

const typesOf = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** spp-kit consent grant|withdraw|list */
export function register(program: Command, openDb: () => Db): void {
  const consent = program.command('consent').description('Manage consent records (who may read whose records, for consent-based clients)');
  consent
    .command('grant')
    .description('Record a consent granted to an organization; prints its id')
    .requiredOption('--org <code>', 'organization the consent is granted to')
    .requiredOption('--subject <reference>', 'Individual/{system}|{value} or Group/{system}|{value} (a group consent covers its active members)')
    .requiredOption('--types <types>', 'resource types covered, comma-separated: Individual, Group, ProgramMembership')
    .requiredOption('--expiry <date>', 'last day the consent is valid (YYYY-MM-DD)')
    .option('--effective <date>', 'first day the consent is valid (YYYY-MM-DD, default today)')
    .option('--json', 'machine-readable output')
    .action(
      guarded((opts: { org: string; subject: string; types: string; expiry: string; effective?: string } & Output) => {
        const db = openDb();
        const id = grant(db, {
          organizationCode: opts.org,
          subject: opts.subject,
          resourceTypes: typesOf(opts.types),
          expiryDate: opts.expiry,
          ...(opts.effective ? { effectiveDate: opts.effective } : {}),
        });
        const view = list(db, { subject: opts.subject }).find((c) => c.consentId === id)!;
        print(opts, view, describe(view));
      }),
    );
  consent
    .command('withdraw')
    .description('Withdraw a consent at once (it stops counting for every later request)')
    .argument('<consentId>', 'the id printed by grant or list')
    .requiredOption('--reason <text>', 'why it is withdrawn')
    .option('--json', 'machine-readable output')
    .action(
      guarded((consentId: string, opts: { reason: string } & Output) => {
        const view = withdraw(openDb(), consentId, opts.reason);
        print(opts, view, describe(view));
      }),
    );
  consent
    .command('list')
    .description('List consent records')
    .option('--org <code>', 'only those granted to this organization')
    .option('--subject <reference>', 'only those about this Individual or Group')
    .option('--status <status>', `only those in this status (${CONSENT_STATUSES.join(', ')})`)
    .option('--json', 'machine-readable output')
    .action(
      guarded((opts: { org?: string; subject?: string; status?: string } & Output) => {
        if (opts.status && !(CONSENT_STATUSES as readonly string[]).includes(opts.status)) {
          throw new ConsentAdminError(`--status must be one of ${CONSENT_STATUSES.join(', ')}`);
        }
        const views = list(openDb(), {
          ...(opts.org ? { organizationCode: opts.org } : {}),
          ...(opts.subject ? { subject: opts.subject } : {}),
          ...(opts.status ? { status: opts.status as ConsentStatus } : {}),
        });
        print(opts, views, views.length ? views.map(describe).join('\n\n') : '(no consents)');
      }),
    );
}
