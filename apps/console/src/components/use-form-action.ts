import { useState } from 'react';
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
