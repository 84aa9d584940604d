/** Protocol versions and progress, reminders, notifications, knowledge-base versions, retention. */
export const up = `
CREATE TABLE protocol_versions (
  version text PRIMARY KEY,
  definition jsonb NOT NULL,
  published_at timestamptz NOT NULL,
  published_by uuid REFERENCES users (id),
  is_current boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX protocol_versions_current ON protocol_versions (is_current) WHERE is_current;

CREATE TABLE case_answers (
  thread_id uuid NOT NULL REFERENCES request_threads (id) ON DELETE CASCADE,
  step_id text NOT NULL,
  question_id text NOT NULL,
  value_enc text,
  value_sealed bytea,
  answered_by text NOT NULL CHECK (answered_by IN ('requester', 'operator')),
  author_id uuid REFERENCES users (id),
  answered_at timestamptz NOT NULL,
  PRIMARY KEY (thread_id, step_id, question_id),
  CHECK ((value_enc IS NULL) <> (value_sealed IS NULL))
);

CREATE TABLE case_steps (
  thread_id uuid NOT NULL REFERENCES request_threads (id) ON DELETE CASCADE,
  step_id text NOT NULL,
  completed_at timestamptz NOT NULL,
  completed_by uuid REFERENCES users (id),
  PRIMARY KEY (thread_id, step_id)
);

CREATE TABLE case_reminders (
  thread_id uuid NOT NULL REFERENCES request_threads (id) ON DELETE CASCADE,
  kind text NOT NULL,
  due_at timestamptz NOT NULL,
  sent_at timestamptz,
  PRIMARY KEY (thread_id, kind)
);
CREATE INDEX case_reminders_due ON case_reminders (due_at) WHERE sent_at IS NULL;

CREATE TABLE notifications (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  request_id uuid REFERENCES request_threads (id) ON DELETE CASCADE,
  kind text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL,
  read_at timestamptz
);
CREATE INDEX notifications_user ON notifications (user_id, id DESC);

CREATE TABLE knowledge_articles (
  slug text NOT NULL,
  lang text NOT NULL,
  version integer NOT NULL,
  title text NOT NULL,
  category text NOT NULL,
  sort_order integer NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL,
  created_by uuid REFERENCES users (id),
  PRIMARY KEY (slug, lang, version)
);

ALTER TABLE request_threads ADD COLUMN purged_at timestamptz;
CREATE INDEX request_threads_closed ON request_threads (closed_at) WHERE closed_at IS NOT NULL AND purged_at IS NULL;
CREATE INDEX request_threads_silence ON request_threads (last_requester_at)
  WHERE status IN ('screening', 'verified', 'awaiting_front_contact', 'meeting_agreed');
`;
