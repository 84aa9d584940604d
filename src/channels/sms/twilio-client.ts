import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient.js';

/**
 * The real `twilio` client. `apiBase` redirects its REST calls (https://api.twilio.com/…) to another
 * origin — a Twilio-compatible provider, or the local fake in tests — by rewriting each request's URI
 * in a RequestClient subclass, the extension point the library offers (`httpClient`).
 */
export function createTwilioClient(opts: {
  accountSid: string;
  authToken: string;
  apiBase?: string | undefined;
}) {
  if (!opts.apiBase) return twilio(opts.accountSid, opts.authToken, { autoRetry: false });
  const base = opts.apiBase.replace(/\/$/, '');
  class RedirectingClient extends RequestClient {
    override request<TData>(req: RequestClient.RequestOptions<TData>) {
      return super.request({ ...req, uri: req.uri.replace(/^https:\/\/[a-z0-9.-]*twilio\.com/, base) });
    }
  }
  return twilio(opts.accountSid, opts.authToken, { httpClient: new RedirectingClient({ timeout: 15_000 }) });
}

export type TwilioClient = ReturnType<typeof createTwilioClient>;
