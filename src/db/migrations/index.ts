import * as m0001 from './0001-initial.ts';
import * as m0002 from './0002-console.ts';
import * as m0003 from './0003-protocol.ts';
import * as m0004 from './0004-channels.ts';
import * as m0005 from './0005-triage.ts';
import * as m0006 from './0006-hardening.ts';
import * as m0007 from './0007-open-queue-indexes.ts';
import * as m0008 from './0008-pow-registry.ts';
import * as m0009 from './0009-stats-indexes.ts';
import * as m0010 from './0010-audit-hardening.ts';
import * as m0011 from './0011-routing-key.ts';
import * as m0012 from './0012-long-journey.ts';
import * as m0013 from './0013-languages.ts';
import * as m0015 from './0015-admission.ts';
import * as m0016 from './0016-voice.ts';
import * as m0017 from './0017-console-at-scale.ts';
import * as m0019 from './0019-canned-suggestions.ts';
import * as m0020 from './0020-inbound-claims.ts';
import * as m0021 from './0021-intake-signals.ts';

/** Ordered list of migrations. Append only: a shipped migration is never edited. */
export const migrations: ReadonlyArray<{ name: string; up: string }> = [
  { name: '0001-initial', up: m0001.up },
  { name: '0002-console', up: m0002.up },
  { name: '0003-protocol', up: m0003.up },
  { name: '0004-channels', up: m0004.up },
  { name: '0005-triage', up: m0005.up },
  { name: '0006-hardening', up: m0006.up },
  { name: '0007-open-queue-indexes', up: m0007.up },
  { name: '0008-pow-registry', up: m0008.up },
  { name: '0009-stats-indexes', up: m0009.up },
  { name: '0011-routing-key', up: m0011.up },
  { name: '0012-long-journey', up: m0012.up },
  { name: '0010-audit-hardening', up: m0010.up },
  { name: '0016-voice', up: m0016.up },
  { name: '0015-admission', up: m0015.up },
  { name: '0013-languages', up: m0013.up },
  { name: '0017-console-at-scale', up: m0017.up },
  { name: '0019-canned-suggestions', up: m0019.up },
  { name: '0020-inbound-claims', up: m0020.up },
  { name: '0021-intake-signals', up: m0021.up },
];
