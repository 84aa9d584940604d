import sharp from 'sharp';
import { AppError } from '../errors.ts';
import { LIMITS } from '../intake/message-content.ts';

/**
 * Inbound media. Images are decoded and re-encoded in memory, which drops EXIF, GPS and every other
 * metadata block (a phone photo can carry the exact place it was taken); nothing touches the disk.
 */
export async function stripImage(bytes: Buffer): Promise<{ data: Buffer; mime: string }> {
  if (bytes.length > LIMITS.attachmentBytes) throw new AppError('payload_too_large', 'Image too large');
  try {
    const data = await sharp(bytes, { limitInputPixels: 40_000_000, failOn: 'error' })
      .rotate() // apply the EXIF orientation before the EXIF block is dropped
      .jpeg({ quality: 85 })
      .toBuffer();
    return { data, mime: 'image/jpeg' };
  } catch {
    throw new AppError('unsupported_media_type', 'Not an image we can read');
  }
}

/** Voice and audio are kept as sent (no location metadata in Opus/OGG voice notes), within the size limit. */
export function checkAudio(bytes: Buffer, mime: string): { data: Buffer; mime: string } {
  if (bytes.length > LIMITS.attachmentBytes) throw new AppError('payload_too_large', 'Audio too large');
  if (!/^audio\/(ogg|mpeg|mp4|aac|wav|x-wav|amr|webm)$/.test(mime))
    throw new AppError('unsupported_media_type', 'Unsupported audio type');
  return { data: bytes, mime };
}

/**
 * Where a provider's media may be downloaded from. A media URL comes from a payload (a webhook, or a
 * Graph look-up), so it must not make the server fetch whatever it names: an address in the internal
 * network, or a stranger's server that would learn our IP address — and our API credentials.
 */
export interface MediaOrigins {
  /** The configured API base: its origin (scheme, host, port) is allowed, over http too (local fakes). */
  apiBase: string;
  /** The provider's own hosts, https on the default port only; `*.example.com` means any subdomain. */
  providerHosts: readonly string[];
  /**
   * Provider hosts that get the credentials as well, because the provider requires them there (Meta's
   * media host). Credentials go to the configured API origin and to these, never anywhere else.
   */
  credentialHosts?: readonly string[];
}

function hostMatches(host: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.startsWith('*.') ? host.endsWith(p.slice(1)) : host === p));
}

/**
 * Checks a media URL against the provider's hosts and the configured API base; throws `forbidden`
 * otherwise. Says whether the credentials may go with the request.
 */
export function checkMediaUrl(url: string, origins: MediaOrigins): { url: URL; credentials: boolean } {
  let u: URL;
  let base: URL;
  try {
    u = new URL(url);
    base = new URL(origins.apiBase);
  } catch {
    throw new AppError('forbidden', 'Media URL not allowed');
  }
  if (u.username || u.password) throw new AppError('forbidden', 'Media URL not allowed');
  if (u.origin === base.origin) return { url: u, credentials: true };
  const host = u.hostname.replace(/\.$/, '');
  if (u.protocol !== 'https:' || u.port !== '' || !hostMatches(host, origins.providerHosts)) {
    throw new AppError('forbidden', 'Media URL not on the provider’s hosts');
  }
  return { url: u, credentials: hostMatches(host, origins.credentialHosts ?? []) };
}

/**
 * Downloads provider media: only from `origins` (every redirect is checked too, and followed by hand),
 * credentials only where `checkMediaUrl` allows them, at most `maxBytes` read. A refused URL is
 * `forbidden`, a failed answer `unavailable`, too many bytes `payload_too_large` (all AppErrors: the
 * message is then kept without the attachment); network failures stay plain errors.
 */
export async function fetchMedia(
  url: string,
  origins: MediaOrigins,
  opts: { credentials: Record<string, string>; timeoutMs: number; maxBytes?: number },
): Promise<{ bytes: Buffer; contentType: string | null }> {
  const maxBytes = opts.maxBytes ?? LIMITS.attachmentBytes;
  const signal = AbortSignal.timeout(opts.timeoutMs);
  let next = url;
  for (let hop = 0; hop <= 3; hop++) {
    const target = checkMediaUrl(next, origins);
    const res = await fetch(target.url, {
      headers: target.credentials ? opts.credentials : {},
      redirect: 'manual',
      signal,
    });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      next = new URL(location, target.url).href;
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new AppError('unavailable', `Media download failed: HTTP ${res.status}`);
    }
    if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
      await res.body?.cancel();
      throw new AppError('payload_too_large', 'Media too large');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const reader = res.body?.getReader();
    for (let r = await reader?.read(); r && !r.done; r = await reader?.read()) {
      size += r.value.length;
      if (size > maxBytes) {
        await reader?.cancel().catch(() => undefined);
        throw new AppError('payload_too_large', 'Media too large');
      }
      chunks.push(Buffer.from(r.value));
    }
    return { bytes: Buffer.concat(chunks), contentType: res.headers.get('content-type') };
  }
  throw new AppError('unavailable', 'Media download: too many redirects');
}
