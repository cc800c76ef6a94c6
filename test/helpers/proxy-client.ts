// Raw clients of a session proxy, for the attack tests: every byte is under the test's control.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export const proxyAuth = (user: string, pw: string) => `Proxy-Authorization: Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}\r\n`;

export interface ProxyClient {
  port: number;
  user: string;
  password: string;
}

/** Send a CONNECT and read the proxy's answer (status and, for refusals, the body). */
export function connectTunnel(p: ProxyClient, target: string, opts: { password?: string | null } = {}): Promise<{ status: number; text: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port: p.port });
    s.once('error', reject);
    s.once('connect', () => s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${opts.password === null ? '' : proxyAuth(p.user, opts.password ?? p.password)}\r\n`));
    let buf = '';
    const status = () => Number(/^HTTP\/1\.1 (\d+)/.exec(buf)?.[1] ?? 0);
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      if (buf.indexOf('\r\n\r\n') >= 0 && status() === 200) {
        s.off('data', onData);
        resolve({ status: 200, text: buf, socket: s });
      }
      // a refusal: read to the end (the proxy closes)
    };
    s.on('data', onData);
    s.once('close', () => resolve({ status: status(), text: buf, socket: s }));
  });
}

/** TLS inside a tunnel, then one raw HTTP request; resolves with the response head and body. */
export function requestInTunnel(socket: Socket, servername: string, raw: string, opts: { trust: string; verify?: boolean; timeoutMs?: number }): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const t = tlsConnect({ socket, servername, ca: opts.trust, rejectUnauthorized: opts.verify ?? true });
    let text = '';
    t.on('secureConnect', () => t.write(raw));
    t.on('data', (d: Buffer) => (text += d.toString('latin1')));
    const done = () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), text });
    t.on('end', done);
    t.on('close', done);
    t.on('error', done);
    setTimeout(() => t.destroy(), opts.timeoutMs ?? 3000);
  });
}

/** One plaintext (absolute-form) request to the proxy itself. */
export function plainRequest(p: ProxyClient, raw: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const s = netConnect({ host: '127.0.0.1', port: p.port });
    let text = '';
    s.on('connect', () => s.write(raw));
    s.on('data', (d: Buffer) => (text += d.toString('latin1')));
    const done = () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), text });
    s.on('close', done);
    s.on('error', done);
    setTimeout(() => s.destroy(), 3000);
  });
}
