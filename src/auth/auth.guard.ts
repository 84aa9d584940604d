import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { can, type Permission } from './policies.ts';
import type { Session, SessionsService } from './sessions.service.ts';

export const SESSION_COOKIE = 'wf_session';
export const CSRF_HEADER = 'x-csrf-token';
/** Set by the console on requests no person asked for (polling, counts): they are not activity. */
export const BACKGROUND_HEADER = 'x-wf-background';

declare module 'fastify' {
  interface FastifyRequest {
    session: Session | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * preHandler for operator API routes: a live session, a CSRF header on state-changing requests
 * (SameSite=Strict cookies are the first line, the header token the second), the forced password
 * change after a one-time password, and the role's permission.
 */
export function requireSession(
  sessions: SessionsService,
  permission?: Permission,
  opts: { allowPasswordChangePending?: boolean; background?: boolean } = {},
) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    // Only what a person does extends the idle timeout; a header can only shorten a session, never
    // lengthen it, so trusting it from the client is safe.
    const background = opts.background === true || req.headers[BACKGROUND_HEADER] === '1';
    const session = await sessions.authenticate(req.cookies[SESSION_COOKIE], { touch: !background });
    if (!session) throw new AppError('unauthenticated', 'Log in first');
    if (!SAFE_METHODS.has(req.method)) {
      const header = req.headers[CSRF_HEADER];
      if (!session.csrfMatches(typeof header === 'string' ? header : undefined)) {
        throw new AppError('csrf_failed', `Missing or wrong ${CSRF_HEADER} header`);
      }
    }
    if (session.user.mustChangePassword && !opts.allowPasswordChangePending) {
      throw new AppError('password_change_required', 'Change the one-time password first');
    }
    if (permission && !can(session.user.role, permission)) {
      throw new AppError('forbidden', 'Your role does not allow this');
    }
    req.session = session;
  };
}
