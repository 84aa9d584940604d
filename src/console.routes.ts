import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * The operator console: a static React build (dist/console) under /console/, with the SPA's routes
 * falling back to index.html. It speaks only the JSON API; nothing is rendered server-side.
 */
export async function registerConsole(app: FastifyInstance, dir: string | undefined): Promise<void> {
  const root = dir ? path.resolve(dir) : undefined;
  const built = root !== undefined && existsSync(path.join(root, 'index.html'));
  if (!built) {
    app.get('/console', async (_req, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The operator console is not built. Run `npm run build` (npm start does it for you).'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/console/',
    index: ['index.html'],
    wildcard: false,
    // Hashed asset names can be cached; index.html must not be (new deploys take effect at once).
    setHeaders: (res, file) => {
      res.header(
        'cache-control',
        file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-store',
      );
    },
  });
  app.get('/console', async (_req, reply) => reply.redirect('/console/'));
  app.get('/console/*', async (_req, reply) =>
    reply.header('cache-control', 'no-store').sendFile('index.html', root),
  );
}
