import { type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, useId } from 'react';

// Labelled inputs whose error (the form's own check, or the API's `errors` for the field)
// is announced with the field and tied to it by aria-describedby.

interface FieldProps {
  label: string;
  error?: string;
  hint?: ReactNode;
}

export function TextField({ label, error, hint, ...input }: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  const described = [error && `${id}-error`, hint && `${id}-hint`].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={described} {...input} />
      {hint && (
        <div id={`${id}-hint`} className="hint">
          {hint}
        </div>
      )}
      {error && (
        <div id={`${id}-error`} className="field-error">
          {error}
        </div>
      )}
    </div>
  );
}

export interface Choice {
  value: string;
  label: string;
}

/** A select: `none` labels the empty first option (no filter, nothing chosen yet), `choices` the options after it, then `children`. */
export function SelectField({
  label,
  error,
  none,
  choices,
  children,
  ...select
}: FieldProps & { none?: string; choices?: readonly Choice[] } & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} {...select}>
        {none !== undefined && <option value="">{none}</option>}
        {choices?.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
        {children}
      </select>
      {error && (
        <div id={`${id}-error`} className="field-error">
          {error}
        </div>
      )}
    </div>
  );
}

/** A set of checkboxes: roles, teams, permissions. */
export function CheckboxGroup(props: {
  legend: string;
  options: { value: string; label: string; disabled?: boolean }[];
  selected: readonly string[];
  onChange: (selected: string[]) => void;
  error?: string;
}) {
  const id = useId();
  const toggle = (value: string, on: boolean) => props.onChange(on ? [...props.selected, value] : props.selected.filter((chosen) => chosen !== value));
  return (
    <fieldset className="field checkboxes" aria-describedby={props.error ? `${id}-error` : undefined}>
      <legend>{props.legend}</legend>
      {props.options.length === 0 && <span className="hint">None to choose from</span>}
      {props.options.map((option) => (
        <label key={option.value} className="checkbox">
          <input
            type="checkbox"
            checked={props.selected.includes(option.value)}
            disabled={option.disabled}
            onChange={(event) => toggle(option.value, event.target.checked)}
          />
          {option.label}
        </label>
      ))}
      {props.error && (
        <div id={`${id}-error`} className="field-error">
          {props.error}
        </div>
      )}
    </fieldset>
  );
}

/** One choice of a few, each a radio button with its label: a token's visibility, an account's type. */
export function RadioGroup<Value extends string>(props: {
  legend: string;
  name: string;
  options: readonly { value: Value; label: ReactNode }[];
  value: Value;
  onChange: (value: Value) => void;
}) {
  return (
    <fieldset className="field">
      <legend>{props.legend}</legend>
      {props.options.map((option) => (
        <label key={option.value} className="checkbox">
          <input type="radio" name={props.name} checked={props.value === option.value} onChange={() => props.onChange(option.value)} />
          {option.label}
        </label>
      ))}
    </fieldset>
  );
}
