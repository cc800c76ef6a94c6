// "Attach image" on the session page: a picked, pasted or dropped image (a screenshot of a bug) is
// uploaded to the session (POST /api/sessions/:name/uploads, the raw bytes) and the page shows the
// path the agent reads it at, with a box to send "<message> <path>" into the agent's terminal (the
// chat box's way: console.ts sendPrompt). The type and size are checked here first so a refusal is
// said at once; the daemon checks the bytes themselves and says why it refuses.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ACCEPTED_TEXT, IMAGE_TYPES, isImageType, MAX_IMAGE_BYTES, type UploadResult } from '../shared/images.js';
import type { Session } from '../shared/types.js';
import { api, errorText } from './api';
import { sendPrompt } from './console';

/** The first image among `files`, or null. */
function firstImage(files: FileList | null | undefined): File | null {
  for (const f of Array.from(files ?? [])) if (f.type.startsWith('image/')) return f;
  return null;
}

export function Attach({ session }: { session: Session }) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<UploadResult | null>(null);
  const [message, setMessage] = useState('Look at this image:');
  const [sent, setSent] = useState<string | null>(null);
  const name = session.name;

  const upload = useCallback((file: File) => {
    setError(null);
    setSent(null);
    if (!isImageType(file.type)) return setError(`${file.name || 'that file'} is not accepted: only ${ACCEPTED_TEXT} can be attached`);
    if (file.size > MAX_IMAGE_BYTES) return setError(`${file.name} is ${(file.size / 1048576).toFixed(1)} MiB, over the limit of 10 MiB`);
    setBusy(true);
    api.upload(name, file, file.name || `pasted${file.type === 'image/jpeg' ? '.jpg' : `.${file.type.slice(6)}`}`).then(
      (r) => (setDone(r), setBusy(false)),
      (e: unknown) => (setError(errorText(e)), setBusy(false)),
    );
  }, [name]);

  // a pasted or dropped image, anywhere on the page (text pastes are left alone)
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const f = firstImage(e.clipboardData?.files);
      if (!f) return;
      e.preventDefault();
      upload(f);
    };
    const onDragOver = (e: DragEvent) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    const onDrop = (e: DragEvent) => {
      if (!e.dataTransfer?.files.length) return;
      e.preventDefault();
      const f = firstImage(e.dataTransfer.files) ?? e.dataTransfer.files[0];
      if (f) upload(f);
    };
    window.addEventListener('paste', onPaste);
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('paste', onPaste);
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [upload]);

  const send = (e: { preventDefault(): void }) => {
    e.preventDefault();
    if (!done) return;
    setSent('sending…');
    sendPrompt(name, `${message.trim()} ${done.path}`.trim()).then(
      () => setSent('sent to the agent’s terminal'),
      (err: unknown) => setSent(errorText(err)),
    );
  };

  return (
    <div className="attach" data-testid="attach">
      <button type="button" onClick={() => input.current?.click()} disabled={busy} data-testid="attach-button" title="Attach an image (or paste or drop one on the page)">
        {busy ? 'Uploading…' : 'Attach image'}
      </button>
      <input
        ref={input}
        type="file"
        accept={IMAGE_TYPES.join(',')}
        hidden
        data-testid="attach-input"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) upload(f);
        }}
      />
      {error && (
        <p className="error" role="alert" data-testid="attach-error">
          {error}
        </p>
      )}
      {done && (
        <form className="notice attach-done" role="status" data-testid="attach-result" onSubmit={send}>
          <div>
            Attached <strong>{done.file}</strong> — the agent reads it at <code data-testid="attach-path">{done.path}</code>
          </div>
          <div className="inline">
            <input aria-label="Message with the image" value={message} onChange={(e) => setMessage(e.target.value)} data-testid="attach-message" />
            <button type="submit" className="primary" data-testid="attach-send">Send to agent</button>
            <button type="button" onClick={() => void navigator.clipboard?.writeText(done.path)}>Copy path</button>
            <button type="button" onClick={() => (setDone(null), setSent(null))}>Dismiss</button>
            {sent && <span className="muted small" data-testid="attach-send-state">{sent}</span>}
          </div>
        </form>
      )}
    </div>
  );
}
