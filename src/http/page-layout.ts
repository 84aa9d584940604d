import { LANGUAGE_NAMES, LANGUAGES, type Language, t } from '../i18n/i18n.ts';
import { html, type SafeHtml } from '../lib/html.ts';
import { organisationFooter, originLinks } from './organisation.pages.ts';
import { pageContext } from './page-context.ts';

/**
 * The frame of every public, server-rendered page (the web channel's form and follow-up, the relatives
 * desk, /kb, /stats): plain HTML, no JavaScript, the organisation's face from the page context.
 */
export function layout(lang: Language, path: string, body: SafeHtml): string {
  const org = pageContext()?.org;
  return `<!doctype html>${html`<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${org?.name || t(lang, 'site.title')}</title>
<link rel="stylesheet" href="/static/site.css">
${originLinks(path, lang)}
</head>
<body>
<a class="skip" href="#main">${t(lang, 'site.skip')}</a>
<header>
  <a class="brand" href="/?lang=${lang}">${org?.logo ? html`<img class="logo" src="/org/logo.png?v=${org.logo}" alt="" width="40" height="40">` : ''}${org?.name || 'Whiteflag'}</a>
  <nav aria-label="${t(lang, 'site.languages')}">
    ${LANGUAGES.map((l) =>
      l === lang
        ? html`<span class="lang current" lang="${l}">${LANGUAGE_NAMES[l]}</span>`
        : html`<a class="lang" lang="${l}" hreflang="${l}" href="${path}?lang=${l}">${LANGUAGE_NAMES[l]}</a>`,
    )}
  </nav>
</header>
${org?.description ? html`<p class="org-description">${org.description}</p>` : ''}
<main id="main">${body}</main>
${organisationFooter(lang)}
</body>
</html>`}`;
}
