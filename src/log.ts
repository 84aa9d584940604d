import pino, { type Logger } from 'pino';

export type Log = Logger;

/**
 * The one logger. Requests are never logged with addresses, headers or bodies: the threat model says
 * logs must carry no PII, and an IP address of a requester is the most dangerous PII there is.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Log {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['password', '*.password', 'totp', '*.totp', 'token', '*.token', 'receipt', '*.receipt'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
