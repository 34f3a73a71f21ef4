// oidc-provider configured for the client_credentials grant, the comparison peer of the token benchmark.
// Usage: node bench/peers/oidc-provider.mjs PORT opaque|jwt
import Provider from 'oidc-provider';

const [port, format] = [Number(process.argv[2]), process.argv[3] ?? 'opaque'];
const issuer = `http://127.0.0.1:${port}`;
const audience = 'http://127.0.0.1/api/v2/spp';
const secret = Buffer.from('bench-hs256-secret-0123456789abcdef0123456789abcdef');

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'bench',
      client_secret: 'bench-secret-0123456789abcdef0123456789abcdef',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_post',
      scope: 'individual:read',
    },
  ],
  scopes: ['individual:read'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    // JWT access tokens need a resource server; without one, oidc-provider issues opaque tokens.
    resourceIndicators:
      format === 'jwt'
        ? {
            enabled: true,
            defaultResource: () => audience,
            useGrantedResource: () => true,
            getResourceServerInfo: () => ({ scope: 'individual:read', audience, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'HS256', key: secret } } }),
          }
        : { enabled: false },
  },
});
provider.on('server_error', (_ctx, err) => console.error(err));
provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
