/**
 * Issue #14: operators list the languages they work in (ISO 639-1/639-3 codes, as triage detects them),
 * so that new requests are offered first to an available operator who speaks the requester's language.
 */
export const up = `
ALTER TABLE users ADD COLUMN languages text[] NOT NULL DEFAULT '{}';
`;
