import { useState, type FormEvent } from 'react';
import { ErrorText, Field } from '../components.tsx';
import { useFocusOnMount } from '../hooks.ts';
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
        <p className="card">This stage signs in with Cognito's hosted page, which this console does not offer yet.</p>
      )}
    </main>
  );
}
