/** Content-Security-Policy of the public pages: nothing from anywhere, no script. */
export const PUBLIC_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The surrender form's page only: the same, plus its one same-origin script (/static/pow.js, the
 * optional proof of work). No inline script, nothing from elsewhere; without JavaScript nothing changes.
 */
export const PUBLIC_FORM_CSP = PUBLIC_CSP.replace(
  "default-src 'none';",
  "default-src 'none'; script-src 'self';",
);
