/**
 * The routing tier (docs/decisions/0012-routing-key.md): the routing public key beside the
 * organisation key (sealing pending provider updates needs no secret), and the hand-over of the
 * routing key between running instances (a locked process posts a one-off public key; an unlocked one
 * seals the key to it; the row is deleted once read). Values written before this migration are
 * re-encrypted under the routing key the first time a server is unlocked.
 */
export const up = `
ALTER TABLE org_keys ADD COLUMN routing_public_key bytea;
CREATE TABLE routing_key_requests (
  id uuid PRIMARY KEY,
  public_key bytea NOT NULL,
  mac bytea NOT NULL,
  sealed_seed bytea,
  created_at timestamptz NOT NULL
);
`;
