/** Reset a forgotten password: request a code by e-mail, then set a new password with it. */
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, unwrap } from '../../api/errors';
import { useServices } from '../../app-context';
import { CodeField, Field, FormError, Page } from '../../components/ui';
import { routes } from '../../routes';

export function ResetPasswordScreen() {
  const { api } = useServices();
  const [email, setEmail] = useState('');
  const [code, setCode] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const start = useMutation({
    mutationFn: async () => unwrap(await api.POST('/auth/password-reset/start', { body: { email } })),
  });
  const complete = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/auth/password-reset/complete', { body: { email, code, newPassword } })),
  });

  if (complete.isSuccess) {
    return (
      <Page title="Password changed">
        <p role="status">Your password is changed and every other session is signed out.</p>
        <Link to={routes.signIn}>Sign in</Link>
      </Page>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (start.isSuccess) complete.mutate();
    else start.mutate();
  };
  const issue = (path: string) =>
    complete.error instanceof ApiError ? complete.error.issueFor(path) : undefined;
  return (
    <Page title="Reset your password">
      <form onSubmit={submit} className="form">
        <Field
          label="E-mail"
          type="email"
          autoComplete="email"
          required
          readOnly={start.isSuccess}
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        {start.isSuccess && (
          <>
            <p role="status">If the address has an account, a 6-digit code is on its way.</p>
            <CodeField value={code} onChange={setCode} error={issue('code')} />
            <Field
              label="New password"
              type="password"
              autoComplete="new-password"
              minLength={12}
              hint="At least 12 characters."
              required
              value={newPassword}
              onChange={(event) => setNewPassword(event.target.value)}
              error={issue('newPassword')}
            />
          </>
        )}
        <FormError error={start.error ?? complete.error} />
        <button type="submit" disabled={start.isPending || complete.isPending}>
          {start.isSuccess ? 'Set new password' : 'Send code'}
        </button>
      </form>
    </Page>
  );
}
