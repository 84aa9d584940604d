import { LANGUAGES, type Language, t } from '../i18n/i18n.ts';
import { html, type SafeHtml } from '../lib/html.ts';
import { CHANNEL_KINDS, channelHref, channelLabel } from '../settings/organisation.ts';
import { pageContext } from './page-context.ts';

/**
 * The parts of every public page that come from the organisation's settings and the origin the page
 * was requested on: absolute canonical/alternate links for that origin, and the footer listing the
 * other ways to reach the hotline (grouped by kind, mirrors and onion included).
 */
export function originLinks(path: string, lang: Language): SafeHtml {
  const origin = pageContext()?.origin;
  if (!origin) return html``;
  return html`<link rel="canonical" href="${origin}${path}?lang=${lang}">
${LANGUAGES.map((l) => html`<link rel="alternate" hreflang="${l}" href="${origin}${path}?lang=${l}">`)}`;
}

export function organisationFooter(lang: Language): SafeHtml {
  const ctx = pageContext();
  const channels = ctx?.org.channels ?? [];
  if (!channels.length) return html``;
  const ordered = CHANNEL_KINDS.flatMap((k) => channels.filter((c) => c.kind === k));
  return html`<footer class="org-channels">
  <h2>${t(lang, 'org.channels')}</h2>
  <ul>
    ${ordered.map(
      (c) =>
        html`<li data-kind="${c.kind}"><span class="kind">${channelLabel(lang, c.kind)}:</span> <a href="${channelHref(c)}" rel="noreferrer">${c.kind === 'mirror' || c.kind === 'onion' ? channelHref(c) : c.value}</a>${ctx?.origin && channelHref(c) === `${ctx.origin}/` ? html` <span class="here">(${t(lang, 'org.here')})</span>` : ''}</li>`,
    )}
  </ul>
</footer>`;
}
