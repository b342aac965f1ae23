// A real OpenID Connect provider for pulje's tests (the npm package oidc-provider, installed by
// scripts/install-test-tools into node_modules here). It listens on 127.0.0.1 on a free port,
// prints one JSON line {"issuer": "..."} when it is ready, and runs until its standard input
// closes (the test that started it has ended).
//
// Environment:
//   PULJE_OIDC_REDIRECT_URIS  comma-separated redirect URIs of the test clients (required)
//   PULJE_OIDC_KEY_FILE       a JSON file with the private signing key; made when missing, so a
//                             second provider started with the same file signs with the same key
//
// Clients: `pulje` (secret `pulje-test-secret`) and `other` (secret `other-test-secret`), both
// confidential, with the code flow. The login and consent pages are this script's own plain
// forms; the accounts are below. A login records amr ["pwd", "otp"].
//
// For the tests of refused ID tokens: POST /test/next-id-token with a JWT as the body makes the
// next answer of the token endpoint carry that ID token instead of its own.

import { createServer } from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const ACCOUNTS = {
  anna: {
    password: 'anna-kodeord',
    claims: {
      sub: 'anna-7f3c',
      email: 'anna.sso@region-test.dk',
      email_verified: true,
      name: 'Anna Sso Andersen',
      groups: ['pulje-ansoegere-nord', 'alle-laeger'],
    },
  },
  bo: {
    password: 'bo-kodeord',
    claims: {
      sub: 'bo-19a2',
      email: 'bo.sso@region-test.dk',
      email_verified: true,
      name: 'Bo Sso Berg',
      groups: ['alle-laeger'],
    },
  },
  carl: {
    password: 'carl-kodeord',
    claims: {
      sub: 'carl-55d0',
      email: 'carl.sso@region-test.dk',
      email_verified: true,
      name: 'Carl Sso Clausen',
      groups: [],
    },
  },
  dora: {
    password: 'dora-kodeord',
    claims: {
      sub: 'dora-8e11',
      email: 'carl.sso@region-test.dk',
      email_verified: false,
      name: 'Dora Uverificeret',
      groups: [],
    },
  },
};

const redirectUris = (process.env.PULJE_OIDC_REDIRECT_URIS || '').split(',').filter(Boolean);
if (redirectUris.length === 0) {
  console.error('PULJE_OIDC_REDIRECT_URIS is not set');
  process.exit(2);
}

function signingKey() {
  const file = process.env.PULJE_OIDC_KEY_FILE;
  if (file && existsSync(file)) {
    return JSON.parse(readFileSync(file, 'utf8'));
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  if (file) {
    writeFileSync(file, JSON.stringify(jwk));
  }
  return jwk;
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res, title, body) {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(`<!doctype html><html lang="da"><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`);
}

function loginForm(res, uid, error) {
  page(res, 'Test-IdP: log ind', `${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="username">Brugernavn</label> <input id="username" name="username" autocomplete="username">
<label for="password">Adgangskode</label> <input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit">Log ind</button>
</form>`);
}

function consentForm(res, uid, client) {
  page(res, 'Test-IdP: giv adgang', `<p>${escape(client)} beder om dit navn, din e-mailadresse og dine grupper.</p>
<form method="post" action="/interaction/${escape(uid)}/confirm"><button type="submit">Tillad</button></form>`);
}

async function body(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 100000) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const clients = [
    ['pulje', 'pulje-test-secret'],
    ['other', 'other-test-secret'],
  ].map(([id, secret]) => ({
    client_id: id,
    client_secret: secret,
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }));
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [signingKey()] },
    cookies: { keys: ['pulje-test-cookie-key'] },
    // ID tokens carry the profile claims themselves (pulje reads no userinfo endpoint).
    conformIdTokenClaims: false,
    claims: {
      // amr (the methods the login used) in every ID token, as Entra ID does.
      openid: ['sub', 'amr'],
      email: ['email', 'email_verified'],
      profile: ['name', 'groups'],
    },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    async findAccount(ctx, id) {
      const account = Object.values(ACCOUNTS).find((a) => a.claims.sub === id);
      if (!account) return undefined;
      return { accountId: id, async claims() { return { ...account.claims }; } };
    },
  });

  let nextIdToken = null;
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && nextIdToken && ctx.body && ctx.body.id_token) {
      ctx.body = { ...ctx.body, id_token: nextIdToken };
      nextIdToken = null;
    }
  });

  const callback = provider.callback();
  server.on('request', async (req, res) => {
    try {
      const url = new URL(req.url, issuer);
      if (req.method === 'POST' && url.pathname === '/test/next-id-token') {
        nextIdToken = (await body(req)).trim();
        res.statusCode = 204;
        res.end();
        return;
      }
      const m = url.pathname.match(/^\/interaction\/([^/]+)(?:\/(login|confirm))?$/);
      if (!m) {
        callback(req, res);
        return;
      }
      const [, uid, step] = m;
      const details = await provider.interactionDetails(req, res);
      if (req.method === 'GET') {
        if (details.prompt.name === 'login') loginForm(res, uid);
        else consentForm(res, uid, details.params.client_id);
        return;
      }
      if (step === 'login') {
        const form = new URLSearchParams(await body(req));
        const account = ACCOUNTS[form.get('username')];
        if (!account || account.password !== form.get('password')) {
          loginForm(res, uid, 'Forkert brugernavn eller adgangskode.');
          return;
        }
        await provider.interactionFinished(req, res, {
          login: { accountId: account.claims.sub, amr: ['pwd', 'otp'] },
        }, { mergeWithLastSubmission: false });
        return;
      }
      const { prompt: { details: missing }, params, session } = details;
      let grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
      if (!grant) grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    } catch (e) {
      res.statusCode = 500;
      res.end(String(e));
    }
  });

  console.log(JSON.stringify({ issuer }));
});

// Ends with the test that started it.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
