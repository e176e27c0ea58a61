/** The one way services log: pino JSON with a `service` field, secrets redacted. */
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';

export interface LoggerOptions {
  service: string;
  level?: LevelWithSilent;
  /** Where lines go; synchronous stdout when omitted. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/** Paths pino removes from every line, including the request/response objects pino-http logs. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-service-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-service-key"]',
  'password',
  '*.password',
  '*.*.password',
  'newPassword',
  '*.newPassword',
  'currentPassword',
  '*.currentPassword',
  'serviceKey',
  '*.serviceKey',
];

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactedPaths, censor: '[redacted]' },
    },
    // Synchronous stdout: lines stay in order and survive `process.exit` (fatal crash logs, the last lines of
    // a shutdown); pino's async default can reorder or drop lines that are in flight at exit.
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
