/**
 * Whether a user's tokens are still in force, as far as their client can tell: introspection of the access token
 * (a confidential client, where the server offers it) and a refresh with the refresh token (where one was
 * issued). Used by the checks that expect tokens to have been revoked.
 */
import type { CheckContext } from '../check.js';
import type { UserFlowClient } from './config.js';
import { activeOf, answerText, hasEndpoint, introspect, refreshGrant, type Tokens } from './flow.js';

/** Asserts the requirements on every observation the client can make; not applicable when it can make none. */
export async function observeRevocation(
  ctx: CheckContext,
  requirements: readonly string[],
  client: UserFlowClient,
  tokens: Pick<Tokens, 'accessToken' | 'refreshToken'>,
  when: string,
): Promise<void> {
  const assert = (ok: boolean, message: string, evidence: Parameters<CheckContext['assert']>[3]) => {
    for (const id of requirements) ctx.assert(id, ok, message, evidence);
  };
  let observed = 0;
  // Introspection first: it changes nothing, whereas a refresh that succeeds would rotate the family.
  if (client.clientSecret !== undefined && (await hasEndpoint(ctx, 'introspection'))) {
    const r = await introspect(ctx, client, tokens.accessToken);
    const active = activeOf(r);
    if (active !== undefined) {
      assert(!active, `${when}, introspection says the access token is ${active ? 'still active' : 'inactive'}`, r);
      observed++;
    }
  }
  if (tokens.refreshToken) {
    const r = await refreshGrant(ctx, client, tokens.refreshToken);
    assert(r.status !== 200, `${when}, a refresh with the refresh token answered ${answerText(r)}`, r);
    observed++;
  }
  if (!observed)
    for (const id of requirements)
      ctx.notApplicable(id, 'nothing shows it to the client: no refresh token was issued and no introspection endpoint is offered to it');
}
