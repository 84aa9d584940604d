/**
 * PDF documents of the POW registry: the capture card (GC III art. 70, Annex IV B), the identity card
 * (art. 17, Annex IV A) and the summary of a notification batch for humanitarian bodies. Pure functions:
 * input in, PDF bytes out, no database and no clock (document dates come from the input, so the same
 * input gives the same bytes). Fonts: Roboto as shipped with pdfmake (Latin and Cyrillic incl. Ukrainian),
 * Nanum Gothic for Hangul runs (`fonts.ts`).
 */
export {
  type BatchSummaryInput,
  type BatchSummaryItem,
  renderBatchSummary,
} from './batch-summary.ts';
export { CAPTURE_CARD_SIZE, type CaptureCardInput, renderCaptureCard } from './capture-card.ts';
export { IDENTITY_CARD_SIZE, type IdentityCardInput, renderIdentityCard } from './identity-card.ts';
