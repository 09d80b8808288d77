import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ErrorText, Field } from '../components.tsx';
import { useFocusOnMount } from '../hooks.ts';
import { completeSignIn, startSignIn } from '../cognito.ts';
import { navigate } from '../router.tsx';
import { useSession } from '../session.tsx';

export function SignIn() {
  const { api, signIn, notice, config } = useSession();
  const [userId, setUserId] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const heading = useFocusOnMount<HTMLHeadingElement>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const name = userId.trim();
      const { token } = await api.localToken(name);
      signIn({ userId: name, token });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="signin">
      <h1 ref={heading} tabIndex={-1}>
        Sign in
      </h1>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {config.auth === 'local' ? (
        <form onSubmit={submit} className="card">
          <p className="muted">Locally, a user name is enough: each name is its own user with its own files and rules.</p>
          <Field label="User name" hint="Letters, digits and . _ @ + - (for example alice).">
            {(props) => (
              <input {...props} name="userId" autoComplete="username" required maxLength={128} value={userId} onChange={(e) => setUserId(e.target.value)} />
            )}
          </Field>
          <ErrorText error={error} />
          <button type="submit" disabled={busy || userId.trim() === ''}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      ) : (
        <div className="card">
          <p>Sign in with your account on the sign-in page of this deployment.</p>
          <ErrorText error={error} />
          <button
            type="button"
            onClick={() => {
              if (config.cognito) startSignIn(config.cognito).catch(setError);
              else setError(new Error('This deployment names no sign-in page (config.js has no cognito settings).'));
            }}
          >
            Sign in
          </button>
        </div>
      )}
    </main>
  );
}

/** Where the hosted sign-in page sends the browser back with a code. */
export function Callback() {
  const { config, signIn } = useSession();
  const [error, setError] = useState<unknown>();
  const started = useRef(false);
  useEffect(() => {
    // A code is good once: the exchange must not run twice.
    if (!config.cognito || started.current) return;
    started.current = true;
    completeSignIn(config.cognito, new URLSearchParams(location.search)).then(
      (session) => {
        signIn(session);
        navigate('/app/upload', { replace: true });
      },
      (err: unknown) => setError(err),
    );
  }, [config.cognito, signIn]);
  return (
    <main id="main" className="signin">
      <h1>Signing in…</h1>
      <ErrorText error={error} />
      {error ? <a href="/app/sign-in">Back to sign-in</a> : null}
    </main>
  );
}
