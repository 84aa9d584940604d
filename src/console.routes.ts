import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The operator console: a static React build (dist/console) under /console/. Files are looked up at
 * request time (a rebuild needs no restart); any other /console/* path is one of the SPA's routes and
 * gets index.html. It speaks only the JSON API; nothing is rendered server-side.
 * Returns the fallback for the app's not-found handler, or null when the console is not built.
 */
export async function registerConsole(
  app: FastifyInstance,
  dir: string | undefined,
): Promise<((req: FastifyRequest, reply: FastifyReply) => FastifyReply) | null> {
  const root = dir ? path.resolve(dir) : undefined;
  if (root === undefined || !existsSync(path.join(root, 'index.html'))) {
    app.get('/console', async (_req, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The operator console is not built. Run `npm run build` (npm start does it for you).'),
    );
    return null;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/console/',
    index: ['index.html'],
    wildcard: true,
    // Hashed asset names can be cached; index.html must not be (new deploys take effect at once).
    setHeaders: (res, file) => {
      res.header(
        'cache-control',
        file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-store',
      );
    },
  });
  app.get('/console', async (_req, reply) => reply.redirect('/console/'));
  return (_req, reply) =>
    reply
      .code(200)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .sendFile('index.html', root);
}
