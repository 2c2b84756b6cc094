// node-oidc-provider configured like the Sesame under test, for
// bench/compare. Run with Node 22 from bench/.cache/node:
//
//   BENCH_PORT=3101 BENCH_ALG=ES256 BENCH_CLIENTS='{"app":{...},"m2m":{...}}' node provider.mjs
//
// BENCH_CLIENTS carries the ids and secrets Sesame's CLI gave its apps, so
// both servers see the same clients. Storage is the provider's in-memory
// adapter (nothing is durable). Every sign-in is the user "bench", without a
// page: the first authorization request of a browser ends its interaction
// at once, and later ones ride the SSO session straight to the callback.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import Provider, { errors } from 'oidc-provider';

const port = Number(process.env.BENCH_PORT || 3101);
const alg = process.env.BENCH_ALG || 'ES256';
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.BENCH_CLIENTS);
const resource = clients.resource || 'https://api.bench';

// One P-256 and one P-384 key, made at start as Sesame does on a fresh store.
const key = (namedCurve, kalg) => ({
  ...generateKeyPairSync('ec', { namedCurve }).privateKey.export({ format: 'jwk' }),
  kid: randomUUID(), use: 'sig', alg: kalg,
});

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clients.app.id,
      client_secret: clients.app.secret,
      redirect_uris: [clients.redirect_uri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: alg,
    },
    {
      client_id: clients.m2m.id,
      client_secret: clients.m2m.secret,
      redirect_uris: [],
      response_types: [],
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: alg,
    },
  ],
  jwks: { keys: [key('P-256', 'ES256'), key('P-384', 'ES384')] },
  enabledJWA: { idTokenSigningAlgValues: ['ES256', 'ES384'] },
  cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, indicator) => {
        if (indicator !== resource) throw new errors.InvalidTarget();
        return { scope: 'read', audience: resource, accessTokenTTL: 3600, accessTokenFormat: 'jwt', jwt: { sign: { alg } } };
      },
    },
  },
  findAccount: (ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
  // Grants are approved without a consent page, as Sesame does for
  // first-party apps.
  loadExistingGrant: async (ctx) => {
    const id = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (id) return ctx.oidc.provider.Grant.find(id);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid offline_access');
    await grant.save();
    return grant;
  },
  // node-oidc-provider drops offline_access unless prompt=consent; issue a
  // refresh token anyway, so a flow costs what Sesame's does (ID token,
  // access token, refresh token).
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});

const callback = provider.callback();
const server = createServer(async (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    try {
      await provider.interactionFinished(req, res, { login: { accountId: 'bench' } }, { mergeWithLastSubmission: false });
    } catch (err) {
      res.statusCode = 400;
      res.end(String(err));
    }
    return;
  }
  callback(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
