// Small helpers for talking to the Docker engine through dockerode.
import { ClauderonError, errorMessage } from '../../shared/errors.js';

/** Run an engine call, turning its failure into an actionable error. */
export type DockerCall = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

export function dockerCall(socket: string): DockerCall {
  return async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof ClauderonError) throw e;
      const msg = errorMessage(e);
      if (/ENOENT|ECONNREFUSED|EACCES/.test(msg)) throw new ClauderonError('backend_unavailable', `cannot reach Docker at ${socket} (${msg}) — is dockerd running, and may you use it?`);
      throw new ClauderonError('backend', `cannot ${what}: ${msg}`);
    }
  };
}

export function statusOf(e: unknown): number | null {
  const c = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof c === 'number' ? c : null;
}

export function dockerSocketFromEnv(): string {
  const h = process.env.DOCKER_HOST;
  if (h?.startsWith('unix://')) return h.slice('unix://'.length);
  return '/var/run/docker.sock';
}

/** Container logs: raw with a TTY, else Docker's 8-byte-header frames. */
export function demux(buf: Buffer | string): string {
  if (typeof buf === 'string') return buf;
  if (buf.length >= 8 && (buf[0] === 1 || buf[0] === 2) && buf[1] === 0 && buf[2] === 0 && buf[3] === 0) {
    const parts: Buffer[] = [];
    let i = 0;
    while (i + 8 <= buf.length) {
      const len = buf.readUInt32BE(i + 4);
      parts.push(buf.subarray(i + 8, i + 8 + len));
      i += 8 + len;
    }
    return Buffer.concat(parts).toString('utf8');
  }
  return buf.toString('utf8');
}
