/**
 * Passwordless sign-in: a one-time code sent to an e-mail address or phone number; when the account's
 * second factor is the other channel, its code is asked for next.
 */
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { unwrap } from '../../api/errors';
import { useServices } from '../../app-context';
import { CodeField, Field, FormError, Page } from '../../components/ui';
import { type SecondFactorChallenge, SecondFactorStep, useAfterSignIn } from './sign-in';

type Channel = 'email' | 'sms';

export function CodeSignInScreen() {
  const { api } = useServices();
  const done = useAfterSignIn();
  const [channel, setChannel] = useState<Channel>('email');
  const [destination, setDestination] = useState('');
  const [sent, setSent] = useState(false);
  const [code, setCode] = useState('');
  const [challenge, setChallenge] = useState<SecondFactorChallenge | undefined>();

  const start = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/auth/otp/start', {
          body: channel === 'email' ? { channel, destination } : { channel, destination },
        }),
      ),
    onSuccess: () => setSent(true),
  });
  const verify = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/auth/otp/verify', {
          body: channel === 'email' ? { channel, destination, code } : { channel, destination, code },
        }),
      ),
    onSuccess: (result) => {
      if ('secondFactorRequired' in result) setChallenge(result);
      else done(result);
    },
  });

  if (challenge) return <SecondFactorStep challenge={challenge} />;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (sent) verify.mutate();
    else start.mutate();
  };
  return (
    <Page title="Sign in with a code">
      <form onSubmit={submit} className="form">
        <fieldset disabled={sent}>
          <legend>Send the code by</legend>
          <label className="choice">
            <input
              type="radio"
              name="channel"
              checked={channel === 'email'}
              onChange={() => setChannel('email')}
            />
            E-mail
          </label>
          <label className="choice">
            <input
              type="radio"
              name="channel"
              checked={channel === 'sms'}
              onChange={() => setChannel('sms')}
            />
            Text message
          </label>
          <Field
            label={channel === 'email' ? 'E-mail' : 'Phone number'}
            type={channel === 'email' ? 'email' : 'tel'}
            autoComplete={channel === 'email' ? 'email' : 'tel'}
            hint={channel === 'sms' ? 'International format, e.g. +4915112345678' : undefined}
            required
            value={destination}
            onChange={(event) => setDestination(event.target.value.trim())}
          />
        </fieldset>
        {sent && (
          <CodeField
            value={code}
            onChange={setCode}
            hint="If the address has an account, a 6-digit code is on its way."
          />
        )}
        <FormError error={start.error ?? verify.error} />
        <button type="submit" disabled={start.isPending || verify.isPending}>
          {sent ? 'Sign in' : 'Send code'}
        </button>
      </form>
    </Page>
  );
}
