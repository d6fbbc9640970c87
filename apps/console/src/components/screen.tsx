import type { FormEvent, ReactNode } from 'react';

/**
 * A screen of the console: a section named by its h1, with the screen's tools beside the title
 * and its primary action (for those allowed it: `false` otherwise) last in that row.
 */
export function Screen(props: {
  name: string;
  title: string;
  tools?: ReactNode;
  action?: false | { label: string; onClick: () => void };
  children: ReactNode;
}) {
  const titleId = `${props.name}-title`;
  return (
    <section aria-labelledby={titleId}>
      <div className="title-row">
        <h1 id={titleId}>{props.title}</h1>
        {props.tools}
        {props.action && (
          <button type="button" className="primary" onClick={props.action.onClick}>
            {props.action.label}
          </button>
        )}
      </div>
      {props.children}
    </section>
  );
}

/** What the last change did, announced politely. */
export function Notice({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <p role="status" className="notice">
      {message}
    </p>
  );
}

/** A row of filters over a list; they apply as they change unless the form has its own `onSubmit`. */
export function FilterRow({ label, onSubmit, children }: { label: string; onSubmit?: (event: FormEvent) => void; children: ReactNode }) {
  return (
    <form className="filters" aria-label={label} onSubmit={onSubmit ?? ((event) => event.preventDefault())}>
      {children}
    </form>
  );
}
