import { type ReactNode, useState } from 'react';
import { Dialog } from './dialog';

/**
 * A secret the API answered once (a new or rotated token): shown in this dialog only, with
 * a copy button. Its holder keeps the secret in state for this dialog alone and drops it
 * when the dialog closes, so nothing of it stays in the page.
 */
export function OnceShownSecret({ title, secret, children, onClose }: { title: string; secret: string; children?: ReactNode; onClose: () => void }) {
  const [copied, setCopied] = useState<'not yet' | 'copied' | 'failed'>('not yet');
  const copy = () =>
    navigator.clipboard.writeText(secret).then(
      () => setCopied('copied'),
      () => setCopied('failed'),
    );
  return (
    <Dialog title={title} onClose={onClose}>
      <p className="warning">
        <strong>Copy the secret now.</strong> It is shown this once: Warden keeps only its hash, and nobody can show it again once
        this dialog is closed.
      </p>
      <div className="field">
        <label htmlFor="once-shown-secret">Secret</label>
        <div className="secret-row">
          <input id="once-shown-secret" className="secret" readOnly value={secret} onFocus={(event) => event.target.select()} spellCheck={false} />
          <button type="button" onClick={copy}>
            Copy secret
          </button>
        </div>
        <div role="status" className="hint">
          {copied === 'copied' ? 'Copied to the clipboard' : copied === 'failed' ? 'The browser refused the clipboard: select the secret and copy it' : ''}
        </div>
      </div>
      {children}
      <div className="actions">
        <button type="button" className="primary" onClick={onClose}>
          I have stored it
        </button>
      </div>
    </Dialog>
  );
}
