// Passkey ceremonies on our pages (W1–W3, W6), served from our own origin (CSP script-src 'self').
// A form marked data-passkey="register" | "assert" carries its WebAuthn options in data-options;
// submitting it runs the ceremony with @simplewebauthn/browser (/static/webauthn.js) and posts the
// result as the `response` field. data-passkey="autofill" offers passkeys in the e-mail field's
// autofill (conditional UI) where the browser supports it. Without script, or without WebAuthn,
// the [data-passkey-only] parts stay hidden and the [data-passkey-none] notes stay shown.
(() => {
  const lib = window.SimpleWebAuthnBrowser;
  const supported = Boolean(lib?.browserSupportsWebAuthn());
  for (const el of document.querySelectorAll('[data-passkey-only]')) el.hidden = !supported;
  for (const el of document.querySelectorAll('[data-passkey-none]')) el.hidden = supported;
  if (!supported) return;

  const fail = (form, err) => {
    const box = form.querySelector('[data-passkey-error]');
    if (!box) return;
    box.textContent = form.dataset.error || String(err?.message || err);
    box.hidden = false;
  };
  const run = (form, autofill) => {
    const optionsJSON = JSON.parse(form.dataset.options);
    const ceremony =
      form.dataset.passkey === 'register'
        ? lib.startRegistration({ optionsJSON })
        : lib.startAuthentication({ optionsJSON, useBrowserAutofill: autofill });
    return ceremony.then((result) => {
      form.elements.response.value = JSON.stringify(result);
      form.submit();
    });
  };

  for (const form of document.querySelectorAll('form[data-passkey="register"], form[data-passkey="assert"]')) {
    form.addEventListener('submit', (event) => {
      // Posting the result, or a typed code instead of a passkey (the remove form's other proof).
      if (form.elements.response.value || form.elements.code?.value) return;
      event.preventDefault();
      run(form, false).catch((err) => fail(form, err));
    });
  }
  const autofill = document.querySelector('form[data-passkey="autofill"]');
  if (autofill && lib.browserSupportsWebAuthnAutofill) {
    lib.browserSupportsWebAuthnAutofill().then((ok) => {
      if (ok) run(autofill, true).catch(() => {}); // dismissed autofill: the form stays usable
    });
  }
})();
