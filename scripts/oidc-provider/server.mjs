// A real, OpenID Certified OpenID Connect provider (npm oidc-provider) for
// tip-cli's internal/idp tests: an independent check of our client, as moto
// is for STS. Test use only: keys and cookie secrets are random per start
// and everything lives in memory.
//
//   node server.mjs [PORT] [--okta] [--test-hooks]   (or PORT=...; 0 or nothing = a free port)
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
// --test-hooks adds /__test/ (outside the issuer's paths; see testHooks): a
// refresh can be held after oidc-provider has answered it, so a test can
// kill tip-cli between the IdP's rotation and tip-cli's receipt, and the
// server reports how often a refresh token was presented again. The
// library's own logic (rotation, reuse detection, grant revocation) runs
// unchanged; the hook only delays sending its answer.
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

// testHooks holds and observes refreshes, keyed by the exact refresh token
// presented (tests running in parallel against one server each arm only
// their own):
//   POST /__test/hold?token=RT     answer the next refresh presenting RT,
//                                  then hold the answer until release
//   GET  /__test/state?token=RT    {"held":bool,"rotated":"RT2"|"","reused":N}
//                                  held: RT's refresh is answered and held;
//                                  rotated: the token that answer carries;
//                                  reused: refreshes refused because RT had
//                                  already been used (oidc-provider then
//                                  revokes the whole grant)
//   POST /__test/release?token=RT  send the held answer (to a closed
//                                  socket, when the client was killed)
function testHooks(provider) {
  const watched = new Map(); // RT -> {held, rotated, reused, release, released}
  const entry = (token) => {
    if (!watched.has(token)) {
      let release;
      const released = new Promise((resolve) => { release = resolve; });
      watched.set(token, { hold: false, held: false, rotated: '', reused: 0, release, released });
    }
    return watched.get(token);
  };
  provider.use(async (ctx, next) => {
    await next();
    const token = ctx.oidc?.route === 'token' && ctx.oidc.params?.grant_type === 'refresh_token'
      ? ctx.oidc.params.refresh_token : undefined;
    const w = token && watched.get(token);
    if (!w || !w.hold || ctx.status !== 200) return;
    w.hold = false;
    w.held = true;
    w.rotated = ctx.body?.refresh_token ?? '';
    await w.released;
  });
  provider.on('grant.error', (ctx, err) => {
    const token = ctx.oidc?.params?.refresh_token;
    if (token && watched.has(token) && err.error_detail === 'refresh token already used') {
      watched.get(token).reused += 1;
    }
  });
  return (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const token = url.searchParams.get('token') ?? '';
    const reply = (status, body) => {
      res.statusCode = status;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (!token) return reply(400, { error: 'token is required' });
    const w = entry(token);
    switch (`${req.method} ${url.pathname}`) {
      case 'POST /__test/hold': w.hold = true; return reply(200, {});
      case 'POST /__test/release': w.release(); return reply(200, {});
      case 'GET /__test/state': return reply(200, { held: w.held, rotated: w.rotated, reused: w.reused });
      default: return reply(404, { error: 'no such hook' });
    }
  };
}

async function main() {
  const args = process.argv.slice(2);
  const mount = args.includes('--okta') ? OKTA_MOUNT : '';
  const hooks = args.includes('--test-hooks');
  const portArg = args.find((a) => !a.startsWith('--'));
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
  // Before handler: Koa composes the middleware when the callback is made.
  const serveHooks = hooks ? testHooks(provider) : undefined;
  const serveProvider = handler(provider, mount);
  serve = serveHooks
    ? (req, res) => (req.url.startsWith('/__test/') ? serveHooks(req, res) : serveProvider(req, res))
    : serveProvider;
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  console.log(`ready ${issuer}`);
}

main().catch((err) => {
  console.error(`oidc-provider: ${err.message}`);
  process.exit(1);
});
