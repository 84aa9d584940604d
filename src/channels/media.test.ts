import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMediaUrl, fetchMedia, type MediaOrigins } from './media.ts';

/** A local HTTP server that records what it was asked and with which headers. */
async function startServer(
  handle: (path: string, res: import('node:http').ServerResponse) => void,
): Promise<{ url: string; seen: Array<{ path: string; headers: IncomingHttpHeaders }>; server: Server }> {
  const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '/', headers: req.headers });
    handle(req.url ?? '/', res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, seen, server };
}

let api: Awaited<ReturnType<typeof startServer>>;
let internal: Awaited<ReturnType<typeof startServer>>;
let origins: MediaOrigins;
const credentials = { authorization: 'Bearer SECRET-TOKEN' };

beforeAll(async () => {
  internal = await startServer((_path, res) => res.end('internal secrets'));
  api = await startServer((path, res) => {
    if (path === '/media/ok') return void res.end('media bytes');
    if (path === '/media/hop') return void res.writeHead(302, { location: '/media/ok' }).end();
    if (path === '/media/away')
      return void res.writeHead(302, { location: `${internal.url}/latest/meta-data/` }).end();
    if (path === '/media/big') return void res.end(Buffer.alloc(2048));
    if (path === '/media/loop') return void res.writeHead(302, { location: '/media/loop' }).end();
    res.writeHead(404).end('not found');
  });
  origins = {
    apiBase: api.url,
    providerHosts: ['lookaside.fbsbx.com', '*.fbcdn.net', '*.twiliocdn.com'],
    credentialHosts: ['lookaside.fbsbx.com'],
  };
});
afterAll(async () => {
  for (const s of [api, internal]) await new Promise((r) => s?.server.close(r));
});

describe('media URL allow-list (security review L3)', () => {
  it('allows the provider hosts over https, credentials only where allowed', () => {
    expect(
      checkMediaUrl('https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1', origins),
    ).toMatchObject({ credentials: true });
    expect(checkMediaUrl('https://scontent.xx.fbcdn.net/v/t61/abc.jpg', origins)).toMatchObject({
      credentials: false,
    });
    expect(checkMediaUrl('https://mms.twiliocdn.com/AC/abc', origins)).toMatchObject({ credentials: false });
    expect(checkMediaUrl(`${api.url}/media/ok`, origins)).toMatchObject({ credentials: true });
  });

  it('refuses every other host, plain http to provider hosts, other ports and user info', () => {
    for (const url of [
      'http://lookaside.fbsbx.com/x',
      'https://lookaside.fbsbx.com:8443/x',
      'https://lookaside.fbsbx.com.evil.example/x',
      'https://evilfbcdn.net/x',
      'https://fbcdn.net.evil.example/x',
      'https://lookaside.fbsbx.com@evil.example/x',
      'https://user:pw@lookaside.fbsbx.com/x',
      'http://169.254.169.254/latest/meta-data/',
      'http://localhost/admin',
      `${internal.url}/x`,
      `https://${new URL(api.url).host}/x`,
      'file:///etc/passwd',
      'not a url',
    ]) {
      expect(() => checkMediaUrl(url, origins), url).toThrow(expect.objectContaining({ code: 'forbidden' }));
    }
  });

  it('downloads from the configured base with the credentials, following redirects it may follow', async () => {
    const before = api.seen.length;
    const r = await fetchMedia(`${api.url}/media/hop`, origins, { credentials, timeoutMs: 5000 });
    expect(r.bytes.toString()).toBe('media bytes');
    expect(api.seen.slice(before).map((x) => [x.path, x.headers.authorization])).toEqual([
      ['/media/hop', 'Bearer SECRET-TOKEN'],
      ['/media/ok', 'Bearer SECRET-TOKEN'],
    ]);
  });

  it('never reaches another host: neither named directly nor through a redirect', async () => {
    await expect(
      fetchMedia(`${internal.url}/latest/meta-data/`, origins, { credentials, timeoutMs: 5000 }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(
      fetchMedia(`${api.url}/media/away`, origins, { credentials, timeoutMs: 5000 }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    expect(internal.seen).toEqual([]);
  });

  it('caps the size, redirects and failed answers', async () => {
    await expect(
      fetchMedia(`${api.url}/media/big`, origins, { credentials, timeoutMs: 5000, maxBytes: 1024 }),
    ).rejects.toMatchObject({ code: 'payload_too_large' });
    await expect(
      fetchMedia(`${api.url}/media/loop`, origins, { credentials, timeoutMs: 5000 }),
    ).rejects.toMatchObject({ code: 'unavailable' });
    await expect(
      fetchMedia(`${api.url}/media/missing`, origins, { credentials, timeoutMs: 5000 }),
    ).rejects.toMatchObject({ code: 'unavailable' });
  });
});
