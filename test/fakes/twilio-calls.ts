/**
 * Plays whole phone calls against an app, the way Twilio's voice engine does: it POSTs the signed
 * webhooks, reads the TwiML answered and follows it — `<Gather>` (the test presses digits), `<Redirect>`,
 * `<Enqueue>` (the wait URL is fetched with QueuePosition/QueueTime; `<Leave/>` ends the wait and the
 * Enqueue action gets QueueResult=leave), `<Dial><Queue>` from an operator's leg (bridges the caller
 * waiting in that queue), `<Dial><Number>` (a call-back's second leg), `<Record>` and the status callbacks.
 * Outbound legs are the fake's own Calls resources (created by the app with the real `twilio` client).
 *
 * TwiML is parsed with a small XML reader that understands what TwiML uses (elements, attributes, text).
 */
import {
  type FakeTwilio,
  newSid,
  postTwilioWebhook,
  type StoredRecording,
  type TwilioParams,
} from './twilio.ts';

export interface TwimlElement {
  name: string;
  attrs: Record<string, string>;
  children: TwimlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e] ?? '');

export function parseTwiml(xml: string): TwimlElement {
  const root: TwimlElement = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>|<\?[^>]*\?>|([^<]+)/g;
  for (const m of xml.matchAll(re)) {
    const top = stack[stack.length - 1] as TwimlElement;
    if (m[5] !== undefined) {
      top.text += decode(m[5]);
      continue;
    }
    if (!m[2]) continue;
    if (m[1] === '/') {
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (m[3] ?? '').matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1] ?? ''] = decode(a[2] ?? '');
    const el: TwimlElement = { name: m[2], attrs, children: [], text: '' };
    top.children.push(el);
    if (m[4] !== '/') stack.push(el);
  }
  return root.children[0] ?? root;
}

export function findAll(el: TwimlElement, name: string): TwimlElement[] {
  const out: TwimlElement[] = [];
  const walk = (e: TwimlElement) => {
    if (e.name === name) out.push(e);
    for (const c of e.children) walk(c);
  };
  walk(el);
  return out;
}

/** Everything a person on the line hears: Say texts and Play URLs, in order. */
export function heard(el: TwimlElement): string[] {
  return [
    ...findAll(el, 'Say').map((s) => s.text.trim()),
    ...findAll(el, 'Play').map((p) => `play:${p.text.trim()}`),
  ];
}

interface Doc {
  url: string;
  xml: string;
  root: TwimlElement;
}

export interface PlayedCall {
  sid: string;
  /** The TwiML currently being executed for this call. */
  doc: Doc;
  state: 'menu' | 'queued' | 'bridged' | 'recording' | 'ended';
  queue: string | null;
  queueTime: number;
  /** The operator leg bridged to this caller. */
  bridgedWith: string | null;
  /** What the caller heard, document after document. */
  transcript: string[];
}

export function createCallPlayer(fake: FakeTwilio, opts: { appUrl: string; hotline: string }) {
  const queues = new Map<string, PlayedCall>();
  const agentDocs = new Map<string, Doc>();

  function abs(url: string, base: string): string {
    return new URL(url, base).toString();
  }

  async function fetchDoc(url: string, params: TwilioParams): Promise<Doc> {
    const r = await postTwilioWebhook(url, params, fake.authToken);
    if (r.status !== 200) throw new Error(`TwiML request to ${url} answered ${r.status}: ${r.text}`);
    return { url, xml: r.text, root: parseTwiml(r.text) };
  }

  function callerParams(c: PlayedCall, from: string, extra: Record<string, string> = {}): TwilioParams {
    return {
      AccountSid: fake.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: c.sid,
      CallStatus: c.state === 'ended' ? 'completed' : 'in-progress',
      Direction: 'inbound',
      From: from,
      Caller: from,
      To: opts.hotline,
      Called: opts.hotline,
      ...extra,
    };
  }

  /** Runs what needs no input: Enqueue (enter the queue, fetch the wait music), Redirect without Gather. */
  async function settle(c: PlayedCall, from: string): Promise<void> {
    c.transcript.push(...heard(c.doc.root));
    const enqueue = findAll(c.doc.root, 'Enqueue')[0];
    if (enqueue) {
      c.state = 'queued';
      c.queue = enqueue.text.trim();
      queues.set(c.queue, c);
      await wait(c, from, 0);
      return;
    }
    if (findAll(c.doc.root, 'Record')[0]) c.state = 'recording';
    if (findAll(c.doc.root, 'Hangup')[0] && !findAll(c.doc.root, 'Gather')[0]) c.state = 'ended';
  }

  async function wait(c: PlayedCall, from: string, seconds: number): Promise<void> {
    if (c.state !== 'queued' || !c.queue) throw new Error('fake twilio: the call is not in a queue');
    c.queueTime += seconds;
    const enqueue = findAll(c.doc.root, 'Enqueue')[0] as TwimlElement;
    const waitUrl = abs(enqueue.attrs.waitUrl ?? '', c.doc.url);
    const w = await fetchDoc(
      waitUrl,
      callerParams(c, from, {
        QueueSid: `QU${c.queue.replace(/\W/g, '').slice(0, 32)}`,
        QueuePosition: '1',
        QueueTime: String(c.queueTime),
        AvgQueueTime: '0',
        CurrentQueueSize: String(queues.size),
      }),
    );
    c.transcript.push(...heard(w.root));
    if (findAll(w.root, 'Leave')[0]) await leave(c, from, 'leave');
  }

  async function leave(c: PlayedCall, from: string, result: 'leave' | 'hangup' | 'bridged'): Promise<void> {
    const enqueue = findAll(c.doc.root, 'Enqueue')[0];
    if (c.queue) queues.delete(c.queue);
    c.queue = null;
    if (!enqueue?.attrs.action) return;
    const doc = await fetchDoc(
      abs(enqueue.attrs.action, c.doc.url),
      callerParams(c, from, { QueueResult: result, QueueTime: String(c.queueTime) }),
    );
    c.doc = doc;
    c.state = 'menu';
    if (result === 'leave') await settle(c, from);
  }

  return {
    queues,
    /** A person dials the hotline: Twilio requests the number's voice URL. */
    async dial(from: string, o: { voiceUrl?: string } = {}) {
      const c: PlayedCall = {
        sid: newSid('CA'),
        doc: { url: '', xml: '', root: parseTwiml('<Response/>') },
        state: 'menu',
        queue: null,
        queueTime: 0,
        bridgedWith: null,
        transcript: [],
      };
      const url = o.voiceUrl ?? `${opts.appUrl}/channels/voice/incoming`;
      c.doc = await fetchDoc(url, callerParams(c, from, { CallStatus: 'ringing' }));
      await settle(c, from);
      const api = {
        call: c,
        /** The caller presses keys while a `<Gather>` is listening. */
        async press(digits: string) {
          const g = findAll(c.doc.root, 'Gather')[0];
          if (!g) throw new Error(`fake twilio: nothing is listening for digits in ${c.doc.xml}`);
          c.doc = await fetchDoc(
            abs(g.attrs.action ?? c.doc.url, c.doc.url),
            callerParams(c, from, { Digits: digits }),
          );
          await settle(c, from);
          return api;
        },
        /** No key pressed: the Gather times out and the `<Redirect>` after it runs. */
        async silence() {
          const r = findAll(c.doc.root, 'Redirect')[0];
          if (!r) throw new Error('fake twilio: no Redirect after the Gather');
          c.doc = await fetchDoc(abs(r.text.trim(), c.doc.url), callerParams(c, from));
          await settle(c, from);
          return api;
        },
        /** Time passes in the queue: the wait URL is fetched again (and may say `<Leave/>`). */
        async waitInQueue(seconds: number) {
          await wait(c, from, seconds);
          return api;
        },
        /** The caller speaks after the beep and presses #: Twilio posts the recording to the action. */
        async leaveMessage(bytes: Uint8Array, durationSec: number): Promise<StoredRecording> {
          const rec = findAll(c.doc.root, 'Record')[0];
          if (!rec) throw new Error('fake twilio: no <Record> in the current TwiML');
          const stored = fake.addRecording(bytes, { callSid: c.sid, durationSec, mime: 'audio/mpeg' });
          c.doc = await fetchDoc(
            abs(rec.attrs.action ?? c.doc.url, c.doc.url),
            callerParams(c, from, {
              RecordingUrl: stored.url,
              RecordingSid: stored.sid,
              RecordingDuration: String(durationSec),
              Digits: '#',
            }),
          );
          await settle(c, from);
          return stored;
        },
        /** The caller hangs up: the queue's action (hang-up or end of the bridge), then the status callback. */
        async hangUp(durationSec: number, statusCallback = `${opts.appUrl}/channels/voice/status`) {
          if (c.state === 'queued') await leave(c, from, 'hangup');
          if (c.state === 'bridged') {
            await leave(c, from, 'bridged');
            const agent = c.bridgedWith ? agentDocs.get(c.bridgedWith) : undefined;
            const dial = agent ? findAll(agent.root, 'Dial')[0] : undefined;
            if (agent && dial?.attrs.action && c.bridgedWith) {
              await fetchDoc(abs(dial.attrs.action, agent.url), {
                AccountSid: fake.accountSid,
                CallSid: c.bridgedWith,
                DialCallStatus: 'completed',
                DialCallDuration: String(durationSec),
              });
            }
            if (c.bridgedWith) await fake.completeCall(c.bridgedWith, durationSec);
          }
          c.state = 'ended';
          return postTwilioWebhook(
            statusCallback,
            callerParams(c, from, { CallStatus: 'completed', CallDuration: String(durationSec) }),
            fake.authToken,
          );
        },
      };
      return api;
    },

    /**
     * An outbound leg the app created (an operator's phone, a call-back) is answered: its TwiML is
     * fetched; `press` answers a `<Gather>`; a `<Dial><Queue>` bridges the caller waiting in that queue.
     */
    async answerLeg(sid: string, press?: string): Promise<TwimlElement> {
      let xml = await fake.answerCall(sid);
      let doc: Doc = { url: opts.appUrl, xml, root: parseTwiml(xml) };
      if (press !== undefined) {
        const g = findAll(doc.root, 'Gather')[0];
        if (!g) throw new Error(`fake twilio: the leg's TwiML has no Gather: ${xml}`);
        const leg = fake.voiceCalls.get(sid);
        const url = abs(g.attrs.action ?? '', opts.appUrl);
        const r = await postTwilioWebhook(
          url,
          {
            AccountSid: fake.accountSid,
            CallSid: sid,
            CallStatus: 'in-progress',
            Direction: 'outbound-api',
            From: leg?.from ?? '',
            To: leg?.to ?? '',
            Digits: press,
          },
          fake.authToken,
        );
        xml = r.text;
        doc = { url, xml, root: parseTwiml(xml) };
      }
      if (findAll(doc.root, 'Dial')[0]) agentDocs.set(sid, doc);
      const q = findAll(doc.root, 'Queue')[0];
      if (q) {
        const caller = queues.get(q.text.trim());
        if (caller) {
          caller.state = 'bridged';
          caller.bridgedWith = sid;
        }
      }
      return doc.root;
    },

    /** The requester's leg of a `<Dial><Number>` ends: the Dial action gets its status and duration. */
    async dialResult(
      legSid: string,
      status: 'completed' | 'no-answer' | 'busy' | 'failed',
      durationSec: number,
    ) {
      const doc = agentDocs.get(legSid);
      const dial = doc ? findAll(doc.root, 'Dial')[0] : undefined;
      if (!doc || !dial?.attrs.action) throw new Error('fake twilio: that leg has no <Dial action>');
      const r = await postTwilioWebhook(
        abs(dial.attrs.action, doc.url),
        {
          AccountSid: fake.accountSid,
          CallSid: legSid,
          DialCallSid: newSid('CA'),
          DialCallStatus: status,
          DialCallDuration: String(durationSec),
        },
        fake.authToken,
      );
      await fake.completeCall(legSid, durationSec);
      return r;
    },
  };
}
