#!/usr/bin/env node
// A real OpenID Connect provider (oidc-provider 9.13.3) for the test harness.
// Usage and the /__test/ control API are described in OIDC-PROVIDER.md next to this file.
//
//   node end2end/oidc-provider.mjs [--port N] [--ignore-stdin]
//
// stdout carries exactly one line, {"issuer":"http://127.0.0.1:<port>"}, once listening.
// Everything else (including oidc-provider's own notices, which it writes with
// console.info) goes to stderr. The process exits on SIGTERM/SIGINT and when its stdin
// reaches EOF (unless --ignore-stdin), so a dead harness never leaves it running.

import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { parseArgs } from 'node:util';

// Before oidc-provider is loaded: its notices go through console.info (stdout).
const toStderr = (...args) => console.error(...args);
console.log = toStderr;
console.info = toStderr;
console.debug = toStderr;

const { default: Provider } = await import('oidc-provider');
const jose = await import('jose');

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'ignore-stdin': { type: 'boolean', default: false },
  },
  strict: true,
});
const requestedPort = Number(args.port);
if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
  console.error(`invalid --port ${args.port}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------
// State shared by every Provider instance (a key rotation builds a new instance).

/** client_id -> client metadata (snake_case, as oidc-provider expects) */
const clients = new Map();
/** sub -> { sub, email, email_verified, name, groups } */
const accounts = new Map();
/** signing keys (private JWKs); the first one signs, all are published */
let signingKeys = [];
/** the one-shot id_token modification for the next token response, or null */
let pendingTamper = null;
const TAMPER_KINDS = new Set(['nonce', 'expired', 'unknown_key', 'audience']);

const stats = {
  jwks: 0, token: 0, userinfo: 0, discovery: 0,
};
const STAT_PATHS = new Map([
  ['/jwks', 'jwks'],
  ['/token', 'token'],
  ['/me', 'userinfo'],
  ['/.well-known/openid-configuration', 'discovery'],
]);

const cookieKeys = [crypto.randomBytes(32).toString('base64url')];

async function newSigningKey() {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return {
    ...jwk, kid: `test-${crypto.randomBytes(8).toString('hex')}`, alg: 'RS256', use: 'sig',
  };
}

// ---------------------------------------------------------------------------
// Storage. One store outlives Provider instances, so sessions, interactions, grants
// and codes survive a key rotation.

const store = new Map(); // key -> { value, expiresAt (ms) | undefined }
const grantIndex = new Map(); // grantId -> Set of store keys

function storeGet(key) {
  const entry = store.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
    store.delete(key);
    return undefined;
  }
  return entry.value;
}

function storeSet(key, value, expiresIn) {
  store.set(key, {
    value,
    expiresAt: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined,
  });
}

setInterval(() => {
  const now = Date.now();
  for (const [key, entry] of store) {
    if (entry.expiresAt !== undefined && entry.expiresAt <= now) store.delete(key);
  }
}, 60_000).unref();

class MemoryAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    storeSet(key, structuredClone(payload), expiresIn);
    if (this.model === 'Session' && payload.uid) {
      storeSet(`sessionUid:${payload.uid}`, id, expiresIn);
    }
    if (payload.userCode) {
      storeSet(`userCode:${payload.userCode}`, id, expiresIn);
    }
    if (payload.grantId && this.model !== 'Grant') {
      if (!grantIndex.has(payload.grantId)) grantIndex.set(payload.grantId, new Set());
      grantIndex.get(payload.grantId).add(key);
    }
  }

  async find(id) {
    const value = storeGet(this.key(id));
    return value === undefined ? undefined : structuredClone(value);
  }

  async findByUid(uid) {
    const id = storeGet(`sessionUid:${uid}`);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode) {
    const id = storeGet(`userCode:${userCode}`);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id) {
    const value = storeGet(this.key(id));
    if (value) value.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of grantIndex.get(grantId) ?? []) store.delete(key);
    grantIndex.delete(grantId);
  }
}

// Clients are looked up in the `clients` map, filled through POST /__test/clients.
const clientAdapter = {
  async find(id) {
    const metadata = clients.get(id);
    return metadata === undefined ? undefined : structuredClone(metadata);
  },
  async upsert() {},
  async destroy() {},
  async consume() {},
  async findByUid() { return undefined; },
  async findByUserCode() { return undefined; },
  async revokeByGrantId() {},
};

const adapter = (model) => (model === 'Client' ? clientAdapter : new MemoryAdapter(model));

// ---------------------------------------------------------------------------
// Accounts

async function findAccount(_ctx, sub) {
  if (!accounts.has(sub)) return undefined;
  return {
    accountId: sub,
    // Read at the time of the token / userinfo request, so a test can change
    // groups (or anything else) between sign-ins.
    async claims() {
      const account = accounts.get(sub) ?? { sub };
      return {
        sub,
        email: account.email,
        email_verified: account.email_verified,
        name: account.name,
        groups: account.groups,
      };
    },
  };
}

function accountForLogin(login) {
  if (accounts.has(login)) return accounts.get(login);
  const lower = login.toLowerCase();
  for (const account of accounts.values()) {
    if (typeof account.email === 'string' && account.email.toLowerCase() === lower) return account;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// HTML

const esc = (value) => String(value ?? '')
  .replaceAll('&', '&amp;')
  .replaceAll('<', '&lt;')
  .replaceAll('>', '&gt;')
  .replaceAll('"', '&quot;')
  .replaceAll("'", '&#39;');

function page(title, body) {
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Test IdP - ${esc(title)}</title>
</head>
<body>
<h1>Test IdP</h1>
${body}
</body>
</html>
`;
}

function loginPage(uid, clientId, login, error) {
  return page('Sign in', `<p>Sign in to continue to <strong>${esc(clientId)}</strong>.</p>
${error ? `<p id="error" class="error" role="alert">${esc(error)}</p>` : ''}
<form id="login-form" method="post" action="/interaction/${esc(uid)}/login">
<label>Email or subject <input name="login" type="text" value="${esc(login)}" autofocus required></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button>
</form>`);
}

async function logoutSource(ctx, form) {
  // `form` is <form id="op.logoutForm" method="post" action=".../session/end/confirm">
  // with a hidden xsrf input; put the button inside it so a plain form POST works.
  ctx.type = 'html';
  ctx.body = page('Sign out', `<p>Do you want to sign out of the Test IdP?</p>
${form.replace('</form>', '<input type="hidden" name="logout" value="yes"/><button type="submit">Sign out</button></form>')}`);
}

async function postLogoutSuccessSource(ctx) {
  ctx.type = 'html';
  ctx.body = page('Signed out', '<p id="signed-out">You are signed out.</p>');
}

async function renderError(ctx, out) {
  ctx.type = 'html';
  ctx.body = page('Error', `<p id="error">${esc(out.error)}</p>
<p id="error_description">${esc(out.error_description)}</p>`);
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  const value = JSON.parse(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('body must be a JSON object');
  }
  return value;
}

// ---------------------------------------------------------------------------
// Interactions: a login form; consent is granted automatically.

// Grant everything the authorization request asked for (no consent screen).
async function grantAll(provider, details, accountId) {
  const { params, prompt } = details;
  let grant;
  if (details.grantId) {
    grant = await provider.Grant.find(details.grantId);
    if (grant && grant.accountId !== accountId) grant = undefined;
  }
  grant ??= new provider.Grant({ accountId, clientId: params.client_id });
  if (params.scope) grant.addOIDCScope(params.scope);
  const missing = prompt.details ?? {};
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}

function interactionMiddleware(provider) {
  return async function interactions(ctx, next) {
    const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(ctx.path);
    if (!match) return next();
    const [, uid, isLogin] = match;
    ctx.set('cache-control', 'no-store');

    let details;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch (err) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = page('Error', `<p id="error">${esc(err.error ?? err.message)}</p>
<p id="error_description">${esc(err.error_description ?? '')}</p>`);
      return undefined;
    }
    if (details.uid !== uid) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = page('Error', '<p id="error">interaction mismatch</p>');
      return undefined;
    }

    const finish = async (result) => {
      const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
        mergeWithLastSubmission: false,
      });
      ctx.status = 303;
      ctx.set('location', returnTo);
      ctx.body = '';
    };

    if (!isLogin && ctx.method === 'GET') {
      if (details.prompt.name === 'login') {
        ctx.type = 'html';
        ctx.body = loginPage(uid, details.params.client_id, details.params.login_hint ?? '');
        return undefined;
      }
      if (details.prompt.name === 'consent') {
        // Signed in already, something new asked for: grant it without a screen.
        const accountId = details.session?.accountId;
        const grantId = await grantAll(provider, details, accountId);
        return finish({ consent: { grantId } });
      }
      ctx.status = 501;
      ctx.type = 'html';
      ctx.body = page('Error', `<p id="error">unsupported prompt ${esc(details.prompt.name)}</p>`);
      return undefined;
    }

    if (isLogin && ctx.method === 'POST') {
      const form = await readForm(ctx.req);
      const login = (form.get('login') ?? '').trim();
      const account = login ? accountForLogin(login) : undefined;
      if (!account) {
        ctx.status = 200;
        ctx.type = 'html';
        ctx.body = loginPage(uid, details.params.client_id, login, `Unknown user: ${login}`);
        return undefined;
      }
      const grantId = await grantAll(provider, details, account.sub);
      return finish({ login: { accountId: account.sub }, consent: { grantId } });
    }

    ctx.status = 405;
    ctx.body = '';
    return undefined;
  };
}

// ---------------------------------------------------------------------------
// Tampering with the next token response's id_token.

async function tamperIdToken(idToken, kind) {
  const header = jose.decodeProtectedHeader(idToken);
  const claims = jose.decodeJwt(idToken);
  let key = signingKeys[0];
  const now = Math.floor(Date.now() / 1000);
  switch (kind) {
    case 'nonce':
      claims.nonce = 'wrong-nonce';
      break;
    case 'expired':
      claims.iat = now - 7200;
      claims.exp = now - 3600;
      break;
    case 'audience':
      claims.aud = 'someone-else';
      break;
    case 'unknown_key':
      key = await newSigningKey(); // never published
      break;
    default:
      throw new Error(`unknown tamper kind ${kind}`);
  }
  const privateKey = await jose.importJWK(key, 'RS256');
  return new jose.CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ ...header, alg: 'RS256', kid: key.kid })
    .sign(privateKey);
}

function tamperMiddleware() {
  return async function tamper(ctx, next) {
    await next();
    if (
      pendingTamper
      && ctx.path === '/token'
      && ctx.method === 'POST'
      && ctx.status === 200
      && ctx.body
      && typeof ctx.body === 'object'
      && typeof ctx.body.id_token === 'string'
    ) {
      const kind = pendingTamper;
      pendingTamper = null;
      ctx.body = { ...ctx.body, id_token: await tamperIdToken(ctx.body.id_token, kind) };
      console.error(`oidc-provider.mjs: id_token tampered (${kind})`);
    }
  };
}

// ---------------------------------------------------------------------------
// Provider

function buildProvider(issuer) {
  const provider = new Provider(issuer, {
    adapter,
    clients: [],
    findAccount,
    jwks: { keys: signingKeys },
    cookies: { keys: cookieKeys },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: {
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    // Scope-granted claims go into the ID token as well as userinfo.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      id_token_signed_response_alg: 'RS256',
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
    clientBasedCORS: () => false,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      userinfo: { enabled: true },
      pushedAuthorizationRequests: { enabled: false },
      resourceIndicators: { enabled: false },
    },
    renderError,
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
    },
  });
  provider.use(interactionMiddleware(provider));
  provider.use(tamperMiddleware());
  provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));
  return { provider, handle: provider.callback() };
}

// ---------------------------------------------------------------------------
// Control API

function sendJson(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const isStringArray = (v) => Array.isArray(v) && v.every((x) => typeof x === 'string');

let current; // { provider, handle }
let issuer;

async function control(req, res, path) {
  if (req.method === 'GET' && path === '/__test/stats') {
    return sendJson(res, 200, stats);
  }
  if (req.method !== 'POST') return sendJson(res, 404, { error: 'not found' });
  const body = await readJson(req);

  switch (path) {
    case '/__test/clients': {
      const {
        client_id: clientId, client_secret: clientSecret,
        redirect_uris: redirectUris, post_logout_redirect_uris: postLogoutRedirectUris = [],
        token_endpoint_auth_method: authMethod = 'client_secret_basic',
      } = body;
      if (typeof clientId !== 'string' || !clientId || typeof clientSecret !== 'string' || !clientSecret) {
        return sendJson(res, 400, { error: 'client_id and client_secret must be non-empty strings' });
      }
      if (!isStringArray(redirectUris) || !redirectUris.length || !isStringArray(postLogoutRedirectUris)) {
        return sendJson(res, 400, { error: 'redirect_uris (non-empty) and post_logout_redirect_uris must be arrays of strings' });
      }
      const metadata = {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        post_logout_redirect_uris: postLogoutRedirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: authMethod,
      };
      try {
        await current.provider.Client.validate(metadata);
      } catch (err) {
        return sendJson(res, 400, { error: err.error ?? 'invalid_client_metadata', error_description: err.error_description ?? err.message });
      }
      clients.set(clientId, metadata);
      return sendJson(res, 200, { client_id: clientId });
    }
    case '/__test/accounts': {
      const {
        sub, email, email_verified: emailVerified = true, name, groups = [],
      } = body;
      if (typeof sub !== 'string' || !sub) {
        return sendJson(res, 400, { error: 'sub must be a non-empty string' });
      }
      if (typeof emailVerified !== 'boolean' || !isStringArray(groups)) {
        return sendJson(res, 400, { error: 'email_verified must be a boolean, groups an array of strings' });
      }
      accounts.set(sub, {
        sub, email, email_verified: emailVerified, name, groups,
      });
      return sendJson(res, 200, { sub });
    }
    case '/__test/rotate': {
      const key = await newSigningKey();
      signingKeys = body.keep_old ? [key, ...signingKeys] : [key];
      current = buildProvider(issuer);
      console.error(`oidc-provider.mjs: signing key rotated to ${key.kid} (keys: ${signingKeys.map((k) => k.kid).join(', ')})`);
      return sendJson(res, 200, { kid: key.kid });
    }
    case '/__test/tamper': {
      const { kind } = body;
      if (kind === null || kind === 'none') {
        pendingTamper = null;
        return sendJson(res, 200, { kind: null });
      }
      if (!TAMPER_KINDS.has(kind)) {
        return sendJson(res, 400, { error: `kind must be one of ${[...TAMPER_KINDS].join(', ')}` });
      }
      pendingTamper = kind;
      return sendJson(res, 200, { kind });
    }
    case '/__test/reset-stats':
      for (const key of Object.keys(stats)) stats[key] = 0;
      return sendJson(res, 200, stats);
    default:
      return sendJson(res, 404, { error: 'not found' });
  }
}

// ---------------------------------------------------------------------------
// Server

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const stat = STAT_PATHS.get(path);
  if (stat) stats[stat] += 1;
  if (path.startsWith('/__test/')) {
    control(req, res, path).catch((err) => {
      console.error('control API error', err);
      if (!res.headersSent) sendJson(res, 400, { error: String(err?.message ?? err) });
      else res.destroy();
    });
    return;
  }
  current.handle(req, res);
});

function shutdown(why) {
  console.error(`oidc-provider.mjs: exiting (${why})`);
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
if (!args['ignore-stdin']) {
  process.stdin.on('end', () => shutdown('stdin EOF'));
  process.stdin.on('close', () => shutdown('stdin closed'));
  process.stdin.on('error', () => shutdown('stdin error'));
  process.stdin.resume();
}

signingKeys = [await newSigningKey()];

server.listen(requestedPort, '127.0.0.1', () => {
  const { port } = server.address();
  issuer = `http://127.0.0.1:${port}`;
  current = buildProvider(issuer);
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
