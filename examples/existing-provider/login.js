// The host's own interaction pages: a sign-in form and an automatic consent for its first-party
// client. Nothing here knows of the MFA step: the login result only says a password was used (amr).
import { checkPassword } from './users.js';

const html = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

function loginPage(uid, error) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in · Example</title></head>
<body><main><h1>Sign in to Example</h1>${error ? `<p role="alert">${html(error)}</p>` : ''}
<form method="post" action="/interaction/${html(uid)}/login">
<label>E-mail <input name="email" type="email" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form></main></body></html>`;
}

async function grantConsent(provider, ctx, interaction) {
  const { prompt, params, session, grantId } = interaction;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const result = { consent: { grantId: await grant.save() } };
  return provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
}

async function finish(ctx, redirectTo) {
  ctx.status = 303;
  ctx.redirect(await redirectTo);
}

export function loginRoutes(provider) {
  return async (ctx, next) => {
    const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(ctx.path);
    if (!match) return next();
    const interaction = await provider.interactionDetails(ctx.req, ctx.res);
    if (ctx.method === 'GET' && !match[2]) {
      if (interaction.prompt.name === 'consent') return finish(ctx, grantConsent(provider, ctx, interaction));
      ctx.type = 'html';
      ctx.body = loginPage(interaction.uid);
      return;
    }
    if (ctx.method !== 'POST' || !match[2]) return next();
    const form = await readForm(ctx.req);
    const user = checkPassword(form.get('email'), form.get('password'));
    if (!user) {
      ctx.status = 401;
      ctx.type = 'html';
      ctx.body = loginPage(interaction.uid, 'Wrong e-mail or password.');
      return;
    }
    const result = { login: { accountId: user.id, amr: ['pwd'] } };
    return finish(
      ctx,
      provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }),
    );
  };
}
