// A real OpenID provider for the single sign-on tests: the certified `oidc-provider` package
// (installed by .ci/run into ~/.cache/truce-oidc; see tests/it/oidc.rs), on loopback.
//
//   node tests/oidc/provider.mjs CONFIG_JSON
//
// CONFIG_JSON: {"port": 0, "clients": [{"client_id", "client_secret", "redirect_uris"}]}.
// It prints "listening http://127.0.0.1:PORT" once it accepts connections.
//
// Its sign-in page asks for an email address only (any address signs in as itself, with the
// email claim verified): the tests are about Truce's side of the flow, not the provider's
// passwords. Consent is given with the sign-in.
import http from "node:http";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const modules = process.env.TRUCE_OIDC_MODULES;
const { default: Provider } = await import(
  require.resolve("oidc-provider", { paths: modules ? [modules] : undefined })
);

const config = JSON.parse(process.argv[2] || "{}");
const server = http.createServer();
await new Promise((resolve) => server.listen(config.port || 0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: config.clients.map((c) => ({
    ...c,
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  })),
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  findAccount: async (_ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, email: id, email_verified: true, name: id }),
  }),
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ["truce-test-provider"] },
  ttl: { Session: 60, Interaction: 600, Grant: 600, AuthorizationCode: 60, IdToken: 300 },
});
provider.on("server_error", (_ctx, err) => console.error("provider error", err));

const page = (uid) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Test identity provider</title></head><body><main>
<h1>Test identity provider</h1>
<form method="post" action="/interaction/${uid}">
<label for="email">Company email</label> <input id="email" name="email" type="email" autofocus>
<button type="submit">Continue</button></form></main></body></html>`;

async function form(req) {
  let body = "";
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

const callback = provider.callback();
server.on("request", async (req, res) => {
  const match = req.url.match(/^\/interaction\/([^/?]+)/);
  if (!match) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(page(details.uid));
    }
    const accountId = (await form(req)).get("email") || "";
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  } catch (err) {
    res.writeHead(400, { "content-type": "text/plain" });
    res.end(String(err));
  }
});
console.log(`listening ${issuer}`);
