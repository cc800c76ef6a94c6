// The header's "Enable notifications" control: asks the browser's permission (on the click, as
// browsers require), then toggles notifications (src/web/notify.ts: in-page, and Web Push for a closed
// page where there is a service worker, src/web/push.ts) on and off. Nothing is
// shown where the browser has no Notifications API; a refused permission says how to undo it.
import { useState } from 'react';
import { enable, enabled, setEnabled, supported } from './notify';

/** A bell (struck through when off): drawn here, as emoji fonts vary from phone to phone. */
function Bell({ off }: { off: boolean }) {
  return (
    <svg className="bell" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      <path d="M8 1.5a4 4 0 0 0-4 4v2.8L2.6 11h10.8L12 8.3V5.5a4 4 0 0 0-4-4z M6.3 12.5a1.8 1.8 0 0 0 3.4 0" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" strokeLinecap="round" />
      {off && <path d="M2.5 2.5l11 11" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" />}
    </svg>
  );
}

export function NotifyToggle() {
  const [on, setOn] = useState(enabled);
  const [denied, setDenied] = useState(() => supported() && Notification.permission === 'denied');
  if (!supported()) return null;
  if (denied) {
    return (
      <span className="notify muted small" title="Notifications are blocked for this site: allow them in the browser's site settings, then reload" data-testid="notify-blocked">
        <Bell off /><span className="wide-only"> notifications blocked</span>
      </span>
    );
  }
  const click = () => {
    if (on) {
      setEnabled(false);
      setOn(false);
      return;
    }
    void enable().then((ok) => {
      setOn(ok);
      setDenied(Notification.permission === 'denied');
    });
  };
  const label = on ? 'Notifications on (click to turn off)' : 'Enable notifications';
  return (
    <button className="notify" aria-pressed={on} aria-label={label} title={label} onClick={click} data-testid="notify-toggle">
      <Bell off={!on} /><span className="wide-only">{on ? ' Notifications on' : ' Enable notifications'}</span>
    </button>
  );
}
