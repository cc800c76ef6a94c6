// The logger every layer writes to (the daemon's FileLogger implements it; tests pass quiet ones).

export interface Logger {
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}
