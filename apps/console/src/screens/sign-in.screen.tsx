import { type FormEvent, useEffect, useState } from 'react';
import { ProblemError, answer, warden } from '../api/warden-api';
import { ProblemAlert } from '../components/problem-alert';
import { TextField } from '../components/field';
import { type FieldErrors, validateBody } from '../forms/body-validation';

/** Username and password; a throttled sign-in says how long to wait, and counts it down. */
export function SignInScreen({ notice, onSignedIn }: { notice?: string; onSignedIn: () => Promise<void> }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [waitUntil, setWaitUntil] = useState<number | null>(null);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    if (waitUntil === null) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [waitUntil]);
  const secondsLeft = waitUntil === null ? 0 : Math.max(0, Math.ceil((waitUntil - now) / 1000));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { username, password };
    const found = validateBody('LoginDto', body);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      await answer(warden.POST('/api/v1/auth/console/login', { body }));
      setPassword('');
      await onSignedIn();
    } catch (refusal) {
      setError(refusal);
      if (refusal instanceof ProblemError && refusal.retryAfterSeconds !== null) {
        setWaitUntil(Date.now() + refusal.retryAfterSeconds * 1000);
        setNow(Date.now());
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form onSubmit={submit} noValidate aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Warden</h1>
        {notice && <p role="status">{notice}</p>}
        <TextField label="Username" autoComplete="username" value={username} onChange={(event) => setUsername(event.target.value)} error={errors.username} />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={errors.password}
        />
        {secondsLeft > 0 ? (
          <div role="alert" className="problem">
            Too many failed sign-ins for this account or address. Try again in {secondsLeft} second{secondsLeft === 1 ? '' : 's'}.
          </div>
        ) : (
          <ProblemAlert error={error} />
        )}
        <button type="submit" className="primary" disabled={busy || secondsLeft > 0}>
          Sign in
        </button>
      </form>
    </main>
  );
}
