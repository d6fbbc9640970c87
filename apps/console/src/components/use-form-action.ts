import { type ChangeEvent, useState } from 'react';
import { type FieldErrors, fieldErrorsOf } from '../forms/body-validation';
import { useAction } from './use-load';

/**
 * A form's submission: what its own checks found stays at the fields and nothing is sent;
 * otherwise `call` runs as an action, and the `errors` of a refusal are shown at their fields too.
 */
export function useFormAction(): { busy: boolean; error?: unknown; errors: FieldErrors; send: (found: FieldErrors, call: () => Promise<unknown>) => void } {
  const [errors, setErrors] = useState<FieldErrors>({});
  const action = useAction();
  const send = (found: FieldErrors, call: () => Promise<unknown>) => {
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    void action.run(async () => {
      try {
        await call();
      } catch (refusal) {
        setErrors(fieldErrorsOf(refusal));
        throw refusal;
      }
    });
  };
  return { busy: action.busy, error: action.error, errors, send };
}

/**
 * A form's text fields in one state: `bind(name, errors)` gives a TextField its value, the
 * change that sets it, and the error found for it.
 */
export function useFields<Form extends Record<string, string>>(
  initial: Form,
): {
  form: Form;
  setForm: (form: Form) => void;
  bind: (name: keyof Form & string, errors?: FieldErrors) => { value: string; onChange: (event: ChangeEvent<HTMLInputElement>) => void; error?: string };
} {
  const [form, setForm] = useState(initial);
  const bind = (name: keyof Form & string, errors?: FieldErrors) => ({
    value: form[name],
    onChange: (event: ChangeEvent<HTMLInputElement>) => setForm((current) => ({ ...current, [name]: event.target.value })),
    error: errors?.[name],
  });
  return { form, setForm, bind };
}
