// /ws/console/:name — the agent's terminal as JSON text frames with bytes in base64
// (server→client output/exit/error, client→server input/resize).

export function consoleUrl(name: string): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/console/${encodeURIComponent(name)}`;
}

export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export function fromBase64(data: string): Uint8Array {
  const bin = atob(data);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Type `text` into the agent's terminal, then Enter: one short console connection. */
export function sendPrompt(name: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(consoleUrl(name));
    const timer = setTimeout(() => (ws.close(), reject(new Error('the console did not answer'))), 5000);
    ws.onopen = () => {
      // (the text, then Enter on its own: a pasted newline would not submit in every agent)
      ws.send(JSON.stringify({ type: 'input', data: toBase64(new TextEncoder().encode(text)) }));
      ws.send(JSON.stringify({ type: 'input', data: btoa('\r') }));
      clearTimeout(timer);
      // (closing detaches; the agent keeps running)
      setTimeout(() => ws.close(), 200);
      resolve();
    };
    ws.onmessage = (m: MessageEvent<string>) => {
      try {
        const f = JSON.parse(m.data) as { type?: string; message?: string };
        if (f.type === 'error') {
          clearTimeout(timer);
          ws.close();
          reject(new Error(f.message ?? 'console error'));
        }
      } catch {
        // not a frame of ours
      }
    };
    ws.onerror = () => {
      clearTimeout(timer);
      reject(new Error('the console could not be opened'));
    };
  });
}
