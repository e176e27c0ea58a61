/** Sign in with e-mail and password; when the account has a second factor, then with the code sent. */
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { unwrap } from '../../api/errors';
import { useServices } from '../../app-context';
import type { AuthSession } from '../../auth/session';
import { OfflineNotice } from '../../components/offline';
import { CodeField, Field, FormError, Page } from '../../components/ui';
import { routes } from '../../routes';

/** Where to go after signing in: the `next` the guard sent us from, if it is one of our own paths. */
export function useAfterSignIn(): (session: AuthSession) => void {
  const { session } = useServices();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = params.get('next');
  return (result) => {
    session.accept(result);
    const target = next?.startsWith('/') && !next.startsWith('//') ? next : routes.dashboard;
    void navigate(result.user.emailVerified ? target : routes.verifyEmail, { replace: true });
  };
}

/** What a sign-in step answers: a session, or the account's second factor to prove first. */
export type SignInStep = AuthSession | SecondFactorChallenge;
export interface SecondFactorChallenge {
  secondFactorRequired: true;
  challengeId: string;
  channel: 'email' | 'sms';
}

/** The second step of a sign-in: the code the account's second factor received. */
export function SecondFactorStep({ challenge }: { challenge: SecondFactorChallenge }) {
  const { api } = useServices();
  const done = useAfterSignIn();
  const [code, setCode] = useState('');
  const verify = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/auth/otp/verify', { body: { challengeId: challenge.challengeId, code } })),
    onSuccess: (result) => {
      if (!('secondFactorRequired' in result)) done(result);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    verify.mutate();
  };
  return (
    <Page title="Enter your code">
      <form onSubmit={submit} className="form" noValidate>
        <p>We sent a 6-digit code by {challenge.channel === 'sms' ? 'text message' : 'e-mail'}.</p>
        <CodeField value={code} onChange={setCode} />
        <FormError error={verify.error} />
        <button type="submit" disabled={verify.isPending}>
          Sign in
        </button>
      </form>
    </Page>
  );
}

export function SignInScreen() {
  const { api } = useServices();
  const done = useAfterSignIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [challenge, setChallenge] = useState<SecondFactorChallenge | undefined>();

  const login = useMutation({
    mutationFn: async () => unwrap(await api.POST('/auth/login', { body: { email, password } })),
    onSuccess: (result) => {
      if ('secondFactorRequired' in result) setChallenge(result);
      else done(result);
    },
  });

  if (challenge) return <SecondFactorStep challenge={challenge} />;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate();
  };
  return (
    <Page title="Sign in">
      <OfflineNotice>
        Signing in needs the network; the public pages you opened before still show.
      </OfflineNotice>
      <form onSubmit={submit} className="form">
        <Field
          label="E-mail"
          type="email"
          name="email"
          autoComplete="email"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <Field
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        <FormError error={login.error} />
        <button type="submit" disabled={login.isPending}>
          Sign in
        </button>
      </form>
      <p>
        <Link to={routes.signInWithCode}>Sign in with a one-time code</Link> ·{' '}
        <Link to={routes.resetPassword}>Forgot your password?</Link> ·{' '}
        <Link to={routes.signUp}>Create an account</Link>
      </p>
    </Page>
  );
}
