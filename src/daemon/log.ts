// The daemon's log: logs/daemon.log (0600), one line per record: time, level, message, data.
// Never log a secret: callers pass names, not values.
import { appendFileSync, renameSync, statSync } from 'node:fs';
import { ensurePrivateFile } from '../config/paths.js';
import type { Logger } from '../shared/logger.js';

const MAX_BYTES = 10 * 1024 * 1024;

export class FileLogger implements Logger {
  constructor(
    private readonly file: string,
    private readonly echo: boolean,
  ) {
    try {
      if (statSync(file).size > MAX_BYTES) renameSync(file, `${file}.1`);
    } catch {
      // no log yet
    }
    ensurePrivateFile(file);
  }

  private write(level: string, msg: string, data?: Record<string, unknown>): void {
    const line = `${new Date().toISOString()} ${level} ${msg}${data ? ` ${JSON.stringify(data)}` : ''}\n`;
    try {
      appendFileSync(this.file, line);
    } catch {
      // the log must never take the daemon down
    }
    if (this.echo) process.stderr.write(line);
  }

  info(msg: string, data?: Record<string, unknown>): void {
    this.write('INFO', msg, data);
  }
  warn(msg: string, data?: Record<string, unknown>): void {
    this.write('WARN', msg, data);
  }
  error(msg: string, data?: Record<string, unknown>): void {
    this.write('ERROR', msg, data);
  }
}
