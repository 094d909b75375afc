import pino from 'pino';

/** The process-wide structured JSON logger; requests log through children carrying their request id. */
export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'zhuli' }, timestamp: pino.stdTimeFunctions.isoTime });
}
