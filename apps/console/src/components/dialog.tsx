import type { FormEvent, ReactNode } from 'react';
import { Dialog as AriaDialog, Heading, Modal, ModalOverlay } from 'react-aria-components';
import { ProblemAlert } from './problem-alert';

// A modal dialog: focus kept inside, Escape closes, focus back where it was when it closes.

export function Dialog({ title, onClose, children, wide }: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  return (
    <ModalOverlay isOpen isDismissable onOpenChange={(open) => !open && onClose()} className="overlay">
      <Modal className={wide ? 'modal modal-wide' : 'modal'}>
        <AriaDialog className="dialog">
          <Heading slot="title">{title}</Heading>
          {children}
        </AriaDialog>
      </Modal>
    </ModalOverlay>
  );
}

/** The foot of a dialog that only shows something: one button that closes it. */
export function CloseButton({ onClose }: { onClose: () => void }) {
  return (
    <div className="actions">
      <button type="button" onClick={onClose}>
        Close
      </button>
    </div>
  );
}

/**
 * A question with one consequential answer: "Revoke", "Delete". The refusal of the API, if
 * the answer was refused, stands under the question; `remedy` (a way out of that refusal) under it.
 */
export function ConfirmDialog(props: {
  title: string;
  confirm: string;
  onConfirm: () => void;
  onClose: () => void;
  busy?: boolean;
  error?: unknown;
  remedy?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      {props.children}
      <ProblemAlert error={props.error} />
      {props.remedy}
      <div className="actions">
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
        <button type="button" className="danger" onClick={props.onConfirm} disabled={props.busy}>
          {props.confirm}
        </button>
      </div>
    </Dialog>
  );
}

/**
 * A dialog that is one form: its fields, the API's refusal under them, then Cancel and the
 * primary button that submits it (`submit` its label), disabled while busy or `blocked`.
 */
export function FormDialog(props: {
  title: string;
  submit: string;
  onSubmit: (event: FormEvent) => void;
  onClose: () => void;
  busy?: boolean;
  blocked?: boolean;
  error?: unknown;
  wide?: boolean;
  /** Left to the browser's own checks (`required`) when false; the form's own checks speak otherwise. */
  browserChecks?: boolean;
  children: ReactNode;
}) {
  return (
    <Dialog title={props.title} onClose={props.onClose} wide={props.wide}>
      <form onSubmit={props.onSubmit} noValidate={!props.browserChecks}>
        {props.children}
        <ProblemAlert error={props.error} />
        <div className="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={props.busy || props.blocked}>
            {props.submit}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
