// The host's own home page: a link to the security settings (the two-step sign-in's methods).
export async function homePage(ctx, next) {
  if (ctx.method !== 'GET' || ctx.path !== '/') return next();
  ctx.type = 'html';
  ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Example</title></head>
<body><main><h1>Example</h1><p><a href="/account/security">Security settings</a>: your sign-in
methods (authenticator app, text messages, passkeys, backup codes) and remembered devices.</p></main></body></html>`;
}
