// A real OpenID provider for the tests (the certified npm `oidc-provider`), run by Node in its own process.
// Started by tests/oidc.py on a free port; never reached from outside the machine.
//
//   node tests/oidc_provider.mjs PORT CONFIG_JSON
//
// CONFIG_JSON: {"clients": [{"client_id", "client_secret", "redirect_uris", "post_logout_redirect_uris"}],
//               "accounts": [{"sub", "email", "name", "groups", "mfa"}] (optional: people known from the start)}.
// `python manage.py sso_demo_provider` prints such a command for trying council sign-in locally.
// Test controls (plain HTTP on the same port, for the test process only):
//   POST /__test__/accounts  {"sub", "email", "email_verified", "name", "groups", "mfa"}  adds or replaces a person
//   POST /__test__/fault     {"kind": "wrong_audience" | "expired" | "wrong_nonce" | "wrong_issuer" | "bad_signature"
//                                     | "symmetric"}
//                            the next ID token the token endpoint hands out is spoiled that way (signed by this
//                            provider's own key, except for bad_signature), as a broken or hostile provider would
// The sign-in page (/interaction/:uid) is a form with one field, the person's subject id.
import * as jose from "jose";
import Provider from "oidc-provider";

const port = Number(process.argv[2]);
const config = JSON.parse(process.argv[3] || "{}");
const issuer = `http://127.0.0.1:${port}`;

const accounts = new Map((config.accounts || []).map((person) => [person.sub, person]));
let nextFault = null;

const { privateKey } = await jose.generateKeyPair("RS256", { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: "test-key-1", alg: "RS256", use: "sig" };
const { privateKey: strangerKey } = await jose.generateKeyPair("RS256", { extractable: true });

const provider = new Provider(issuer, {
  clients: (config.clients || []).map((client) => ({
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
    ...client,
  })),
  jwks: { keys: [signingJwk] },
  claims: {
    openid: ["sub", "acr", "amr", "auth_time"],
    email: ["email", "email_verified"],
    profile: ["name", "given_name", "family_name"],
    groups: ["groups"],
  },
  scopes: ["openid", "email", "profile", "groups"],
  acrValues: ["urn:test:pwd", "urn:test:mfa"],
  conformIdTokenClaims: false, // the ID token carries the granted scopes' claims, as Entra ID's does
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = `<!DOCTYPE html><html lang="en"><head><title>Sign out of the test provider</title></head>
<body><main><h1>Sign out of the test provider?</h1>${form}
<button form="op.logoutForm" type="submit" name="logout" value="yes">Yes, sign me out</button></main></body></html>`;
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = `<!DOCTYPE html><html lang="en"><head><title>Signed out</title></head>
<body><main><h1>You have signed out of the test provider</h1></main></body></html>`;
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ["test-only-cookie-key"] },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  async findAccount(ctx, sub) {
    const person = accounts.get(sub);
    if (!person) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          email: person.email,
          email_verified: person.email_verified !== false,
          name: person.name || person.email,
          given_name: person.given_name,
          family_name: person.family_name,
          groups: person.groups || [],
        };
      },
    };
  },
  async loadExistingGrant(ctx) {
    // A first-party client: no consent screen. Every request is granted the scopes it asked for.
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const existing = await ctx.oidc.provider.Grant.find(grantId);
      if (existing) return existing;
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid email profile groups");
    await grant.save();
    return grant;
  },
});
provider.proxy = false;

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><title>${title}</title></head><body><main>${body}</main></body></html>`;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

async function spoil(idToken, kind) {
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  if (kind === "wrong_audience") claims.aud = "another-service";
  if (kind === "expired") Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  if (kind === "wrong_nonce") claims.nonce = "a-nonce-this-service-never-sent";
  if (kind === "wrong_issuer") claims.iss = "http://127.0.0.1:9/unknown-issuer";
  if (kind === "symmetric") {
    // Signed with the client's own secret (HS256): the old key-confusion attack on clients that accept any alg.
    const secret = new TextEncoder().encode((config.clients || [])[0].client_secret);
    return new jose.SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(secret);
  }
  const key = kind === "bad_signature" ? strangerKey : privateKey;
  return new jose.SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "test-key-1" }).sign(key);
}

provider.use(async (ctx, next) => {
  if (ctx.path === "/__test__/accounts" && ctx.method === "POST") {
    const person = JSON.parse(await readBody(ctx.req));
    accounts.set(person.sub, person);
    ctx.body = { ok: true };
    return;
  }
  if (ctx.path === "/__test__/fault" && ctx.method === "POST") {
    nextFault = JSON.parse(await readBody(ctx.req)).kind || null;
    ctx.body = { ok: true };
    return;
  }
  const interaction = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (interaction) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (ctx.method === "GET") {
      ctx.type = "html";
      ctx.body = page("Sign in to the test provider", `<h1>Sign in to the test provider</h1>
<form method="post" action="/interaction/${details.uid}/login">
<label for="login">Subject id</label> <input id="login" name="login" autocomplete="off">
<button type="submit">Continue</button></form>`);
      return;
    }
    const form = new URLSearchParams(await readBody(ctx.req));
    const sub = form.get("login");
    const person = accounts.get(sub);
    if (!person) {
      ctx.status = 400;
      ctx.type = "html";
      ctx.body = page("Unknown person", "<h1>No such person at the test provider</h1>");
      return;
    }
    const mfa = Boolean(person.mfa);
    const result = { login: { accountId: sub, amr: mfa ? ["pwd", "mfa"] : ["pwd"], acr: mfa ? "urn:test:mfa" : "urn:test:pwd" } };
    await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.respond = false;
    return;
  }
  await next();
  if (ctx.path === "/token" && nextFault && ctx.body && ctx.body.id_token) {
    const kind = nextFault;
    nextFault = null;
    ctx.body = { ...ctx.body, id_token: await spoil(ctx.body.id_token, kind) };
  }
});

provider.listen(port, "127.0.0.1", () => {
  process.stdout.write(`oidc-provider listening on ${issuer}\n`);
});
