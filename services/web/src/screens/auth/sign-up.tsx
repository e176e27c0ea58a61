/** Create an account; the server checks the rules, its per-field issues show under each field. */
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, unwrap } from '../../api/errors';
import { useServices } from '../../app-context';
import { Field, FormError, Page } from '../../components/ui';
import { routes } from '../../routes';
import { useAfterSignIn } from './sign-in';

export function SignUpScreen() {
  const { api } = useServices();
  const done = useAfterSignIn();
  const [form, setForm] = useState({ displayName: '', email: '', password: '' });
  const register = useMutation({
    mutationFn: async () => unwrap(await api.POST('/auth/register', { body: form })),
    onSuccess: done,
  });
  const issue = (path: string) =>
    register.error instanceof ApiError ? register.error.issueFor(path) : undefined;
  const set = (key: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm({ ...form, [key]: event.target.value });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    register.mutate();
  };
  return (
    <Page title="Create your account">
      <form onSubmit={submit} className="form">
        <Field
          label="Name"
          autoComplete="name"
          required
          maxLength={100}
          value={form.displayName}
          onChange={set('displayName')}
          error={issue('displayName')}
        />
        <Field
          label="E-mail"
          type="email"
          autoComplete="email"
          required
          value={form.email}
          onChange={set('email')}
          error={issue('email')}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
          hint="At least 12 characters."
          value={form.password}
          onChange={set('password')}
          error={issue('password')}
        />
        <FormError error={register.error} />
        <button type="submit" disabled={register.isPending}>
          Create account
        </button>
      </form>
      <p>
        Already have an account? <Link to={routes.signIn}>Sign in</Link>
      </p>
    </Page>
  );
}
