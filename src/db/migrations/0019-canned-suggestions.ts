/**
 * Canned-reply suggestions (issue #15): an operator proposes a reply, a supervisor or admin approves
 * it (it becomes a canned reply in its language) or rejects it. Only pending suggestions are kept:
 * the decision removes the row (the audit log keeps who suggested and who decided), so a text typed
 * in a hurry does not linger in clear after it was dealt with.
 */
export const up = `
CREATE TABLE canned_suggestions (
  id uuid PRIMARY KEY,
  language text NOT NULL,
  title text NOT NULL,
  body text NOT NULL,
  suggested_by uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX canned_suggestions_created ON canned_suggestions (created_at);
`;
