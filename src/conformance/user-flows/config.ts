/**
 * The target file's `userFlows` section, as the kit uses it: the clients registered for the authorization code
 * grant, the scopes to ask for, and how the user step happens — automated (a test user and the sign-in form's
 * field names) or interactive (a person signs in; the kit waits for the redirect on a loopback listener).
 */

export interface UserFlowClient {
  kind: 'confidential' | 'public';
  clientId: string;
  /** Absent for a public client. */
  clientSecret?: string;
  redirectUri: string;
}

export interface UserFlowsTarget {
  authorizationEndpoint?: string;
  revocationEndpoint?: string;
  introspectionEndpoint?: string;
  /** What the kit asks the user to approve; undefined: the server's default. */
  scope?: string;
  clients: Partial<Record<'confidential' | 'public', UserFlowClient>>;
  /** Automated sign-in; undefined when interactive. */
  user?: { username: string; password: string; form: { username: string; password: string; submit?: Record<string, string> } };
  interactive: boolean;
  waitSeconds: number;
}

/** The section as target-schema.json allows it. */
export interface UserFlowsDocument {
  authorizationEndpoint?: string;
  revocationEndpoint?: string;
  introspectionEndpoint?: string;
  scope?: string;
  clients: { confidential?: { clientId: string; clientSecret: string; redirectUri: string }; public?: { clientId: string; redirectUri: string } };
  user?: { username: string; password: string; form?: { username?: string; password?: string; submit?: Record<string, string> } };
  interactive?: boolean;
  waitSeconds?: number;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** A valid section as the kit's config; problems the schema cannot state (interactive needs loopback URIs) are added to `problems`. */
export function userFlowsOf(doc: UserFlowsDocument, problems: string[]): UserFlowsTarget {
  const clients: UserFlowsTarget['clients'] = {};
  const { confidential, public: pub } = doc.clients;
  if (confidential) clients.confidential = { kind: 'confidential', ...confidential };
  if (pub) clients.public = { kind: 'public', ...pub };
  const interactive = doc.interactive === true;
  if (interactive) {
    for (const c of Object.values(clients)) {
      const u = new URL(c.redirectUri);
      if (u.protocol !== 'http:' || !LOOPBACK.has(u.hostname) || !u.port)
        problems.push(
          `userFlows.clients.${c.kind}.redirectUri: interactive mode listens on the redirect URI, so it must be http://127.0.0.1:PORT/... (got ${c.redirectUri})`,
        );
    }
  }
  const user = doc.user
    ? {
        username: doc.user.username,
        password: doc.user.password,
        form: {
          username: doc.user.form?.username ?? 'username',
          password: doc.user.form?.password ?? 'password',
          ...(doc.user.form?.submit ? { submit: doc.user.form.submit } : {}),
        },
      }
    : undefined;
  return {
    ...(doc.authorizationEndpoint ? { authorizationEndpoint: doc.authorizationEndpoint } : {}),
    ...(doc.revocationEndpoint ? { revocationEndpoint: doc.revocationEndpoint } : {}),
    ...(doc.introspectionEndpoint ? { introspectionEndpoint: doc.introspectionEndpoint } : {}),
    ...(doc.scope ? { scope: doc.scope.trim().split(/\s+/).join(' ') } : {}),
    clients,
    ...(user && !interactive ? { user } : {}),
    interactive,
    waitSeconds: doc.waitSeconds ?? 300,
  };
}

/** The secrets of the section, for masking: the confidential client's secret and the user's password. */
export function userFlowSecrets(flows: UserFlowsTarget | undefined): Array<[string, string]> {
  if (!flows) return [];
  const out: Array<[string, string]> = [];
  if (flows.clients.confidential?.clientSecret) out.push([flows.clients.confidential.clientSecret, 'SPP_USER_FLOW_CLIENT_SECRET']);
  if (flows.user) out.push([flows.user.password, 'SPP_USER_PASSWORD']);
  return out;
}
