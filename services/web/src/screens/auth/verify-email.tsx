/** Confirm the e-mail address with the code the gateway sent at registration (or a new one). */
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { unwrap } from '../../api/errors';
import { useServices, useSession } from '../../app-context';
import { CodeField, FormError, Page } from '../../components/ui';
import { routes } from '../../routes';

export function VerifyEmailScreen() {
  const { api, session } = useServices();
  const state = useSession();
  const [code, setCode] = useState('');
  const verify = useMutation({
    mutationFn: async () => unwrap(await api.POST('/auth/verify-email', { body: { code } })),
    onSuccess: (user) => session.updateUser(user),
  });
  const resend = useMutation({
    mutationFn: async () => unwrap(await api.POST('/auth/verify-email/resend')),
  });

  if (state.status === 'signed-in' && state.user.emailVerified) {
    return (
      <Page title="E-mail confirmed">
        <p role="status">{state.user.email} is confirmed.</p>
        <Link to={routes.dashboard}>Go to your dashboard</Link>
      </Page>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    verify.mutate();
  };
  return (
    <Page title="Confirm your e-mail">
      <form onSubmit={submit} className="form">
        <p>We sent a 6-digit code to {state.status === 'signed-in' ? state.user.email : 'your address'}.</p>
        <CodeField value={code} onChange={setCode} />
        <FormError error={verify.error ?? resend.error} />
        <button type="submit" disabled={verify.isPending}>
          Confirm
        </button>{' '}
        <button
          type="button"
          className="secondary"
          onClick={() => resend.mutate()}
          disabled={resend.isPending}
        >
          Send a new code
        </button>
        {resend.isSuccess && <p role="status">A new code is on its way.</p>}
      </form>
      <p>
        <Link to={routes.dashboard}>Later</Link>
      </p>
    </Page>
  );
}
