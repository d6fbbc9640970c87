// The messaging parts log through this narrow function, so an app can route it to its
// own logger (pino, Nest) with the correlation id it keeps. Fields never hold event data.
export type MessagingLogLevel = 'info' | 'warn' | 'error';
export type MessagingLog = (level: MessagingLogLevel, message: string, fields?: Record<string, unknown>) => void;

export const stderrMessagingLog: MessagingLog = (level, message, fields) => {
  if (level === 'info') return;
  process.stderr.write(`${JSON.stringify({ level, msg: message, ...fields })}\n`);
};

export const silentMessagingLog: MessagingLog = () => undefined;
