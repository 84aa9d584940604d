/**
 * The POW registry (GC III), notification batches and the relatives desk. Identity fields are one
 * server-tier ciphertext per record; matching uses keyed (HMAC) blocking keys, never names in clear
 * (docs/decisions/0005-pow-registry.md). The link from a voluntary-surrender request to its record is
 * a sealed box only operators with the organisation key can open.
 */
export const up = `
CREATE TABLE facilities (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('camp', 'hospital', 'transit')),
  address text NOT NULL DEFAULT '',
  capacity integer NOT NULL CHECK (capacity >= 0),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  closed_at timestamptz
);

CREATE SEQUENCE pow_record_number;
CREATE TABLE pow_records (
  id uuid PRIMARY KEY,
  ref text NOT NULL UNIQUE,
  identity_enc text NOT NULL,
  origin_sealed bytea NOT NULL,
  status text NOT NULL CHECK (status IN ('held', 'in_hospital', 'escaped', 'dead', 'released', 'repatriated', 'exchanged')),
  facility_id uuid REFERENCES facilities (id),
  arrived_on date,
  seriously_ill boolean NOT NULL DEFAULT false,
  version integer NOT NULL DEFAULT 1,
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX pow_records_facility ON pow_records (facility_id) WHERE status IN ('held', 'in_hospital');
CREATE INDEX pow_records_updated ON pow_records (updated_at DESC, id DESC);
CREATE INDEX pow_records_ill ON pow_records (id) WHERE seriously_ill;
CREATE INDEX pow_records_created ON pow_records (created_at);



-- HMAC-SHA256 of each blocking key, first 8 bytes as a bigint (src/relatives/match).
CREATE TABLE pow_match_keys (
  key bigint NOT NULL,
  record_id uuid NOT NULL REFERENCES pow_records (id) ON DELETE CASCADE,
  PRIMARY KEY (key, record_id)
);
CREATE INDEX pow_match_keys_record ON pow_match_keys (record_id);

CREATE TABLE pow_events (
  id uuid PRIMARY KEY,
  record_id uuid NOT NULL REFERENCES pow_records (id) ON DELETE CASCADE,
  type text NOT NULL CHECK (type IN ('capture', 'arrival', 'transfer', 'hospital_admission', 'hospital_discharge',
    'escape', 'death', 'release', 'repatriation', 'exchange', 'health_report')),
  occurred_on date NOT NULL,
  facility_id uuid REFERENCES facilities (id),
  from_facility_id uuid REFERENCES facilities (id),
  details_enc text,
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL
);
CREATE INDEX pow_events_record ON pow_events (record_id, occurred_on, created_at);

-- Art. 70: a capture card within one week of arrival at a camp, again on transfer or hospital admission.
CREATE TABLE pow_card_duties (
  id uuid PRIMARY KEY,
  record_id uuid NOT NULL REFERENCES pow_records (id) ON DELETE CASCADE,
  event_id uuid NOT NULL UNIQUE REFERENCES pow_events (id) ON DELETE CASCADE,
  reason text NOT NULL CHECK (reason IN ('arrival', 'transfer', 'hospital')),
  event_on date NOT NULL,
  due_on date NOT NULL,
  sent_on date,
  sent_by uuid REFERENCES users (id)
);
CREATE INDEX pow_card_duties_open ON pow_card_duties (due_on) WHERE sent_on IS NULL;
CREATE INDEX pow_card_duties_record ON pow_card_duties (record_id);

CREATE TABLE pow_welfare (
  id uuid PRIMARY KEY,
  record_id uuid NOT NULL REFERENCES pow_records (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('meals', 'medical_visit', 'medical_certificate', 'letter_sent', 'card_sent',
    'letter_received', 'card_received', 'icrc_visit')),
  occurred_on date NOT NULL,
  quantity integer NOT NULL DEFAULT 1 CHECK (quantity BETWEEN 1 AND 100),
  notes_enc text,
  letter_id uuid,
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL
);
CREATE INDEX pow_welfare_record ON pow_welfare (record_id, occurred_on DESC);
CREATE INDEX pow_welfare_month ON pow_welfare (occurred_on, kind);

CREATE TABLE signing_keys (
  id text PRIMARY KEY,
  public_key bytea NOT NULL,
  secret_key_enc text NOT NULL,
  created_at timestamptz NOT NULL,
  retired_at timestamptz
);

CREATE SEQUENCE notification_batch_number;
CREATE TABLE notification_batches (
  id uuid PRIMARY KEY,
  number integer NOT NULL UNIQUE,
  status text NOT NULL CHECK (status IN ('built', 'delivered', 'void')),
  content_enc text,
  sha256 bytea NOT NULL,
  signature bytea NOT NULL,
  key_id text NOT NULL REFERENCES signing_keys (id),
  item_count integer NOT NULL,
  period_from timestamptz,
  period_to timestamptz NOT NULL,
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL,
  delivered_at timestamptz,
  delivered_by uuid REFERENCES users (id),
  delivery_method text,
  delivery_reference text,
  voided_at timestamptz,
  void_reason text
);

-- Every record creation/change and every event appends one change; a batch takes all pending ones.
CREATE TABLE pow_changes (
  id bigserial PRIMARY KEY,
  record_id uuid NOT NULL REFERENCES pow_records (id) ON DELETE CASCADE,
  event_id uuid REFERENCES pow_events (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('record.new', 'record.changed', 'event')),
  record_version integer NOT NULL,
  at timestamptz NOT NULL,
  batch_id uuid REFERENCES notification_batches (id)
);
CREATE INDEX pow_changes_pending ON pow_changes (id) WHERE batch_id IS NULL;
CREATE INDEX pow_changes_batch ON pow_changes (batch_id, id);

CREATE TABLE relative_inquiries (
  id uuid PRIMARY KEY,
  ref text NOT NULL UNIQUE,
  channel text NOT NULL CHECK (channel IN ('web', 'telegram', 'operator')),
  language text NOT NULL,
  query_enc text NOT NULL,
  receipt_lookup bytea UNIQUE,
  identity_index bytea,
  identity_enc text,
  status text NOT NULL CHECK (status IN ('open', 'answered')),
  matched_record_id uuid REFERENCES pow_records (id) ON DELETE SET NULL,
  answer_kind text CHECK (answer_kind IN ('found', 'not_found', 'not_disclosed')),
  answer_enc text,
  answered_by uuid REFERENCES users (id),
  answered_at timestamptz,
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL
);
CREATE INDEX relative_inquiries_open ON relative_inquiries (created_at) WHERE status = 'open';
CREATE INDEX relative_inquiries_created ON relative_inquiries (created_at DESC, id DESC);

-- Art. 71: letters and cards between prisoners and their families, relayed by the bureau.
CREATE TABLE pow_letters (
  id uuid PRIMARY KEY,
  record_id uuid NOT NULL REFERENCES pow_records (id) ON DELETE CASCADE,
  inquiry_id uuid REFERENCES relative_inquiries (id) ON DELETE SET NULL,
  direction text NOT NULL CHECK (direction IN ('to_prisoner', 'from_prisoner')),
  kind text NOT NULL CHECK (kind IN ('letter', 'card')),
  body_enc text NOT NULL,
  status text NOT NULL CHECK (status IN ('received', 'delivered')),
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL,
  delivered_at timestamptz,
  delivered_by uuid REFERENCES users (id)
);
CREATE INDEX pow_letters_record ON pow_letters (record_id, created_at DESC);
CREATE INDEX pow_letters_inquiry ON pow_letters (inquiry_id) WHERE inquiry_id IS NOT NULL;

-- Answers to relatives who asked on Telegram go through the outbox too.
ALTER TABLE outbox ALTER COLUMN thread_id DROP NOT NULL;
ALTER TABLE outbox ADD COLUMN inquiry_id uuid REFERENCES relative_inquiries (id) ON DELETE CASCADE;
ALTER TABLE outbox ADD CONSTRAINT outbox_owner CHECK (thread_id IS NOT NULL OR inquiry_id IS NOT NULL);
`;
