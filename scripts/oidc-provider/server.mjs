// A real, OpenID Certified OpenID Connect provider (npm oidc-provider) for
// tip-cli's internal/idp tests: an independent check of our client, as moto
// is for STS. Test use only: keys and cookie secrets are random per start
// and everything lives in memory.
//
//   node server.mjs [PORT] [--okta]   (or PORT=...; 0 or nothing = a free port)
//
// Listens on 127.0.0.1 only; issuer http://127.0.0.1:PORT. Prints one line
// "ready ISSUER" on stdout once it answers. With --okta it is laid out like
// an Okta custom authorization server: issuer http://127.0.0.1:PORT/oauth2/default
// and Okta's endpoint paths (/v1/authorize, /v1/token, /v1/keys, ...).
//
// Its ID tokens carry no jti (oidc-provider never adds one) and a refresh
// repeats the sign-in's nonce, so two ID tokens of one grant issued within
// one second are byte-identical: the case tip-cli's assertion ledger handles.
//
// One public native client, tip-cli-test: PKCE S256 (required for
// token_endpoint_auth_method none), any loopback port on
// http://127.0.0.1/callback or http://localhost/callback (RFC 8252 §7.3),
// refresh tokens (see issueRefreshToken), rotated on every use. One account,
// alice. The interaction (login + consent) finishes on the first GET
// without a form, so a cookie-keeping HTTP client can complete sign-in.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const CLIENT_ID = 'tip-cli-test';
const ACCOUNT = {
  sub: 'alice',
  email: 'alice@example.com',
  email_verified: true,
  name: 'Alice Example',
};
const INTERACTION_PREFIX = '/interaction/';

// Okta custom authorization server layout (--okta).
const OKTA_MOUNT = '/oauth2/default';
const OKTA_ROUTES = {
  authorization: '/v1/authorize',
  token: '/v1/token',
  jwks: '/v1/keys',
  userinfo: '/v1/userinfo',
  revocation: '/v1/revoke',
  introspection: '/v1/introspect',
  end_session: '/v1/logout',
  device_authorization: '/v1/device/authorize',
  code_verification: '/v1/device',
};

function config(mount) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    clients: [{
      client_id: CLIENT_ID,
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: [
        'authorization_code',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:device_code',
      ],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback', 'http://localhost/callback'],
    }],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    // Like Okta and Entra ID: scope claims go into the ID token even when an
    // access token is issued (tip-cli reads the email from the ID token).
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { methods: ['S256'], required: () => true },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: { enabled: true },
      revocation: { enabled: true },
    },
    interactions: { url: (ctx, interaction) => `${mount}${INTERACTION_PREFIX}${interaction.uid}` },
    ...(mount ? { routes: OKTA_ROUTES } : {}),
    // OpenID Connect Core §11: oidc-provider drops offline_access unless the
    // request has prompt=consent, which tip-cli does not send. Okta, Entra
    // ID and Keycloak issue refresh tokens without it; so does this server,
    // to any OpenID sign-in of a client allowed the refresh_token grant.
    issueRefreshToken: async (ctx, client, code) => client.grantTypeAllowed('refresh_token')
      && code.scopes.has('openid'),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: 3600, IdToken: 3600, RefreshToken: 86400,
      Grant: 86400, Session: 86400, Interaction: 600,
    },
    findAccount: async (ctx, id) => (id === ACCOUNT.sub
      ? { accountId: id, claims: async () => ({ ...ACCOUNT }) }
      : undefined),
    renderError: async (ctx, out) => {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `error: ${out.error}: ${out.error_description ?? ''}\n`;
    },
  };
}

// finishInteraction signs alice in and grants what the client asked for:
// login and consent in one step, no page.
async function finishInteraction(provider, req, res) {
  const { params, prompt, grantId } = await provider.interactionDetails(req, res);
  const grant = (grantId && await provider.Grant.find(grantId))
    || new provider.Grant({ accountId: ACCOUNT.sub, clientId: params.client_id });
  const d = prompt.details ?? {};
  if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
  if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  await provider.interactionFinished(req, res, {
    login: { accountId: ACCOUNT.sub },
    consent: { grantId: await grant.save() },
  }, { mergeWithLastSubmission: false });
}

// handler serves the provider under mount ('' or OKTA_MOUNT). A mounted
// provider sees the path without the mount and finds the mount in
// req.originalUrl, as under express's app.use(mount, ...).
function handler(provider, mount) {
  const callback = provider.callback();
  return (req, res) => {
    if (mount) {
      if (req.url !== mount && !req.url.startsWith(`${mount}/`) && !req.url.startsWith(`${mount}?`)) {
        res.statusCode = 404;
        res.end();
        return;
      }
      req.originalUrl = req.url;
      req.url = req.url.slice(mount.length) || '/';
      if (req.url.startsWith('?')) req.url = `/${req.url}`;
    }
    if (req.method !== 'GET' || !req.url.startsWith(INTERACTION_PREFIX)) {
      callback(req, res);
      return;
    }
    finishInteraction(provider, req, res).catch((err) => {
      res.statusCode = 400;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(`interaction failed: ${err.message}\n`);
    });
  };
}

async function main() {
  const args = process.argv.slice(2);
  const mount = args.includes('--okta') ? OKTA_MOUNT : '';
  const portArg = args.find((a) => a !== '--okta');
  const port = Number(portArg ?? process.env.PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`bad port ${portArg ?? process.env.PORT}`);
  }
  let serve = (req, res) => { res.statusCode = 503; res.end(); };
  const server = createServer((req, res) => serve(req, res));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${server.address().port}${mount}`;
  const provider = new Provider(issuer, config(mount));
  provider.on('server_error', (ctx, err) => console.error('server_error:', err));
  serve = handler(provider, mount);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  console.log(`ready ${issuer}`);
}

main().catch((err) => {
  console.error(`oidc-provider: ${err.message}`);
  process.exit(1);
});
