import type { FastifyInstance } from 'fastify';
import { requireSession } from '../auth/auth.guard.ts';
import type { Session, SessionsService } from '../auth/sessions.service.ts';
import type { EventBus } from './events.ts';

/** Server-Sent Events for the console: ids of requests that changed, nothing else. */
export function registerEventsRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; bus: EventBus; checkMs?: number },
): void {
  app.get(
    '/api/events',
    {
      // EventSource cannot set headers; a (re)connecting stream is never activity.
      preValidation: requireSession(deps.sessions, 'queue.read', { background: true }),
      schema: { tags: ['events'], summary: 'Live request events (SSE)' },
    },
    async (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'content-security-policy': "default-src 'none'",
      });
      res.write('retry: 3000\n\n');
      const unsubscribe = deps.bus.subscribe((e) => {
        res.write(`event: request\ndata: ${JSON.stringify(e)}\n\n`);
      });
      const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
      // The session can end while the stream is open (logout elsewhere, disabled account, idle
      // timeout): check every few seconds and close the stream when it has.
      const sessionId = (req.session as Session).id;
      const check = setInterval(() => {
        void deps.sessions.isAlive(sessionId).then(
          (alive) => {
            if (!alive) res.end('event: session\ndata: {"ended":true}\n\n');
          },
          () => undefined,
        );
      }, deps.checkMs ?? 5000);
      const end = () => {
        clearInterval(ping);
        clearInterval(check);
        unsubscribe();
      };
      req.raw.once('close', end);
      res.once('close', end);
    },
  );
}
