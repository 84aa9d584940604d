import { createHash } from 'node:crypto';
import type { Vault } from '../../crypto/vault.ts';

/**
 * The proof-of-work lane of the public form (issue #13, decision 0010). A browser with JavaScript
 * finds the number n < max with SHA-256(token ‖ n) = challenge while the person writes; a post that
 * carries it is admitted first when the server is saturated. n comes from a keyed hash of the form's
 * own token, so the server keeps no state and checks a proof with one HMAC; the token is single-use, so
 * a proof is too. Self-hosted (the scheme is ALTCHA's, without the third-party widget). The no-JS form
 * never needs it: without a proof a post waits in the plain lane, which is served whenever there is
 * capacity. Tor users without JavaScript get the onion service's own proof of work (docs/deploy-tor.md).
 */
export const POW_DEFAULT_MAX = 100_000;

export interface PowChallenge {
  challenge: string;
  max: number;
}

export function createFormPow(vault: Vault, max = POW_DEFAULT_MAX) {
  function secretNumber(token: string): number {
    return vault.blindIndex('form-pow', token).readUInt32BE(0) % max;
  }
  return {
    max,
    challenge(token: string): PowChallenge {
      const n = secretNumber(token);
      return { challenge: createHash('sha256').update(`${token}${n}`).digest('hex'), max };
    },
    /** The form's token is MAC-checked and claimed by the caller; this only checks the number. */
    verify(token: string, answer: unknown): boolean {
      if (typeof answer !== 'string' || !/^\d{1,10}$/.test(answer)) return false;
      return Number(answer) === secretNumber(token);
    },
  };
}

export type FormPow = ReturnType<typeof createFormPow>;

/**
 * Served as /static/pow.js under `script-src 'self'` (the only script on the public site). It fills
 * the hidden `pow` field and changes nothing else: a form sent before it is done goes without proof.
 * Hashes in batches so the page stays responsive; crypto.subtle exists in secure contexts (HTTPS,
 * localhost, and .onion in Tor Browser); elsewhere the script does nothing.
 */
export const POW_CLIENT_JS = `(function () {
  'use strict';
  var form = document.querySelector('form[data-pow]');
  var c = window.crypto;
  if (!form || !c || !c.subtle || !window.TextEncoder) return;
  var token = form.elements.token.value;
  var target = form.getAttribute('data-pow');
  var max = Number(form.getAttribute('data-pow-max')) || 0;
  var enc = new TextEncoder();
  function hex(buf) {
    var b = new Uint8Array(buf), s = '';
    for (var i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
    return s;
  }
  function batch(from) {
    if (from >= max) return;
    var jobs = [];
    for (var i = from; i < Math.min(max, from + 500); i++) {
      jobs.push(c.subtle.digest('SHA-256', enc.encode(token + i)));
    }
    Promise.all(jobs).then(function (ds) {
      for (var k = 0; k < ds.length; k++) {
        if (hex(ds[k]) === target) { form.elements.pow.value = String(from + k); return; }
      }
      setTimeout(function () { batch(from + 500); }, 0);
    }, function () {});
  }
  batch(0);
})();
`;
