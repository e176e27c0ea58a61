/**
 * Settings: the account in one place. Profile, e-mail (changed only after a code sent to the new
 * address), password, phone (verified by an SMS code), second factor, the signed-in devices
 * (settings-sessions.tsx), the address receipts can be forwarded to, links to notifications and store
 * accounts, and deleting the account. Changes that protect the account need a recent re-authentication
 * (docs/security.md): when the gateway asks for it, the section shows a password prompt and repeats the
 * change once it is confirmed. Offline, what was loaded stays and every control is disabled.
 */
import { type UseMutationResult, useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, unwrap } from '../api/errors';
import type { components } from '../api/schema';
import { useServices, useSession } from '../app-context';
import { OfflineNotice, useOnline } from '../components/offline';
import { CodeField, Field, FormError, Page, QueryState } from '../components/ui';
import { routes } from '../routes';
import { ExportSection } from './settings-export';
import { SessionsSection } from './settings-sessions';

type User = components['schemas']['User'];

const needsReauthentication = (error: unknown) => error instanceof ApiError && error.reauthenticate;

/** Section frame with its own heading, so each form is a landmark a screen reader can jump to. */
function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = useId();
  return (
    <section className="card stack" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/**
 * Shown in place of `mutation`'s error when the gateway wants the password again: confirms it with
 * `POST /auth/reauthenticate`, then runs `retry` (the change that was refused).
 */
function ReauthenticateOr({
  mutation,
  retry,
  fieldPaths,
}: {
  mutation: UseMutationResult<unknown, Error, void>;
  retry: () => void;
  fieldPaths?: readonly string[];
}) {
  const { api } = useServices();
  const [password, setPassword] = useState('');
  const confirm = useMutation({
    mutationFn: async () => unwrap(await api.POST('/auth/reauthenticate', { body: { password } })) as unknown,
    onSuccess: () => {
      setPassword('');
      retry();
    },
  });
  if (!needsReauthentication(mutation.error))
    return <FormError error={mutation.error} {...(fieldPaths && { fieldPaths })} />;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    confirm.mutate();
  };
  return (
    <form className="form notice" aria-label="Confirm it is you" onSubmit={submit}>
      <p role="alert">For your security, confirm your password to make this change.</p>
      <Field
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(event) => setPassword(event.target.value)}
        error={confirm.error instanceof ApiError ? confirm.error.message : undefined}
      />
      {!(confirm.error instanceof ApiError) && <FormError error={confirm.error} />}
      <button type="submit" disabled={confirm.isPending}>
        Confirm and save
      </button>
    </form>
  );
}

function ProfileSection({ user }: { user: User }) {
  const { api, session } = useServices();
  const [displayName, setDisplayName] = useState(user.displayName);
  const save = useMutation({
    mutationFn: async () => unwrap(await api.PATCH('/auth/me', { body: { displayName } })),
    onSuccess: (saved) => session.updateUser(saved),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <Section title="Profile">
      <form className="form" aria-label="Profile" onSubmit={submit}>
        <Field
          label="Name"
          autoComplete="name"
          required
          maxLength={100}
          value={displayName}
          onChange={(event) => setDisplayName(event.target.value)}
          error={save.error instanceof ApiError ? save.error.issueFor('displayName') : undefined}
        />
        <FormError error={save.error} fieldPaths={['displayName']} />
        {save.isSuccess && (
          <p role="status" className="notice">
            Saved.
          </p>
        )}
        <button type="submit" disabled={save.isPending}>
          Save name
        </button>
      </form>
    </Section>
  );
}

/** Two steps shared by e-mail and phone: ask for a code to the new address, then enter it. */
function VerifiedContactForm({
  label,
  type,
  autoComplete,
  hint,
  field,
  start,
  verify,
  sentTo,
}: {
  label: string;
  type: 'email' | 'tel';
  autoComplete: string;
  hint: string;
  field: 'email' | 'phone';
  start: (value: string) => Promise<unknown>;
  verify: (code: string) => Promise<User>;
  sentTo: (value: string) => string;
}) {
  const { session } = useServices();
  const [value, setValue] = useState('');
  const [code, setCode] = useState('');
  const [pending, setPending] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const request = useMutation({
    mutationFn: async () => {
      await start(value.trim());
    },
    onSuccess: () => {
      setPending(value.trim());
      setDone(false);
    },
  });
  const confirm = useMutation({
    mutationFn: () => verify(code),
    onSuccess: (user) => {
      session.updateUser(user);
      setPending(null);
      setCode('');
      setValue('');
      setDone(true);
    },
  });
  if (pending)
    return (
      <form
        className="form"
        aria-label={`Confirm the new ${label.toLowerCase()}`}
        onSubmit={(event) => {
          event.preventDefault();
          confirm.mutate();
        }}
      >
        <p role="status">{sentTo(pending)}</p>
        <CodeField
          value={code}
          onChange={setCode}
          error={confirm.error instanceof ApiError ? confirm.error.issueFor('code') : undefined}
        />
        <FormError error={confirm.error} fieldPaths={['code']} />
        <div className="actions">
          <button type="submit" disabled={confirm.isPending}>
            Confirm
          </button>
          <button type="button" className="secondary" onClick={() => setPending(null)}>
            Cancel
          </button>
        </div>
      </form>
    );
  return (
    <>
      <form
        className="form"
        aria-label={`Change ${label.toLowerCase()}`}
        onSubmit={(event) => {
          event.preventDefault();
          request.mutate();
        }}
      >
        <Field
          label={`New ${label.toLowerCase()}`}
          type={type}
          autoComplete={autoComplete}
          required
          value={value}
          onChange={(event) => setValue(event.target.value)}
          hint={hint}
          error={request.error instanceof ApiError ? request.error.issueFor(field) : undefined}
        />
        {done && (
          <p role="status" className="notice">
            {label} changed.
          </p>
        )}
        {!needsReauthentication(request.error) && (
          <button type="submit" disabled={request.isPending}>
            Send code
          </button>
        )}
      </form>
      <ReauthenticateOr mutation={request} retry={() => request.mutate()} fieldPaths={[field]} />
    </>
  );
}

function EmailSection({ user }: { user: User }) {
  const { api } = useServices();
  return (
    <Section title="E-mail">
      <p>
        <strong>{user.email}</strong>{' '}
        {user.emailVerified ? (
          <span className="muted">(verified)</span>
        ) : (
          <Link to={routes.verifyEmail}>Verify it</Link>
        )}
      </p>
      <VerifiedContactForm
        label="E-mail"
        type="email"
        autoComplete="email"
        field="email"
        hint="We send a code to the new address; the change takes effect once you enter it."
        start={async (email) => unwrap(await api.POST('/auth/email', { body: { email } }))}
        verify={async (code) => unwrap(await api.POST('/auth/email/verify', { body: { code } }))}
        sentTo={(email) => `We sent a code to ${email}. Enter it to finish the change.`}
      />
    </Section>
  );
}

function PhoneSection({ user }: { user: User }) {
  const { api, session } = useServices();
  const remove = useMutation({
    mutationFn: async () => unwrap(await api.DELETE('/auth/phone')),
    onSuccess: (saved) => session.updateUser(saved),
  });
  return (
    <Section title="Phone">
      {user.phone ? (
        <>
          <p>
            <strong>{user.phone}</strong> <span className="muted">(verified)</span>
          </p>
          {!needsReauthentication(remove.error) && (
            <button
              type="button"
              className="secondary"
              onClick={() => remove.mutate()}
              disabled={remove.isPending || user.secondFactor === 'sms'}
            >
              Remove phone
            </button>
          )}
          {user.secondFactor === 'sms' && (
            <p className="hint">Your second factor is SMS: choose another one before removing the phone.</p>
          )}
          <ReauthenticateOr mutation={remove} retry={() => remove.mutate()} />
        </>
      ) : (
        <p className="muted">No phone yet. A verified phone can get alerts by SMS and sign-in codes.</p>
      )}
      <VerifiedContactForm
        label="Phone"
        type="tel"
        autoComplete="tel"
        field="phone"
        hint="International format, e.g. +15551234567. We text a code to it."
        start={async (phone) => unwrap(await api.POST('/auth/phone', { body: { phone } }))}
        verify={async (code) => unwrap(await api.POST('/auth/phone/verify', { body: { code } }))}
        sentTo={(phone) => `We texted a code to ${phone}. Enter it to verify the number.`}
      />
    </Section>
  );
}

function PasswordSection() {
  const { api } = useServices();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const change = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/auth/password', { body: { currentPassword, newPassword } })) as unknown,
    onSuccess: () => {
      setCurrentPassword('');
      setNewPassword('');
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    change.mutate();
  };
  const issue = (path: string) =>
    change.error instanceof ApiError ? change.error.issueFor(path) : undefined;
  return (
    <Section title="Password">
      <form className="form" aria-label="Change password" onSubmit={submit}>
        <Field
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={currentPassword}
          onChange={(event) => setCurrentPassword(event.target.value)}
          error={issue('currentPassword')}
        />
        <Field
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
          value={newPassword}
          onChange={(event) => setNewPassword(event.target.value)}
          hint="At least 12 characters."
          error={issue('newPassword')}
        />
        <FormError error={change.error} fieldPaths={['currentPassword', 'newPassword']} />
        {change.isSuccess && (
          <p role="status" className="notice">
            Password changed. Your other sessions were signed out.
          </p>
        )}
        <button type="submit" disabled={change.isPending}>
          Change password
        </button>
      </form>
    </Section>
  );
}

function SecondFactorSection({ user }: { user: User }) {
  const { api, session } = useServices();
  const [choice, setChoice] = useState<User['secondFactor']>(user.secondFactor);
  const save = useMutation({
    mutationFn: async () => unwrap(await api.PATCH('/auth/me', { body: { secondFactor: choice } })),
    onSuccess: (saved) => session.updateUser(saved),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const options: { value: User['secondFactor']; label: string; disabled?: boolean }[] = [
    { value: null, label: 'None: the password alone signs in' },
    { value: 'email', label: 'A code by e-mail after the password' },
    { value: 'sms', label: 'A code by SMS after the password', disabled: !user.phone },
  ];
  return (
    <Section title="Second factor">
      <form className="form" aria-label="Second factor" onSubmit={submit}>
        <fieldset>
          <legend>When you sign in with your password</legend>
          {options.map((option) => (
            <label key={option.value ?? 'none'} className="choice">
              <input
                type="radio"
                name="second-factor"
                checked={choice === option.value}
                disabled={option.disabled}
                onChange={() => setChoice(option.value)}
              />
              {option.label}
            </label>
          ))}
        </fieldset>
        {!user.phone && <p className="hint">Verify a phone first to use SMS codes.</p>}
        {save.isSuccess && (
          <p role="status" className="notice">
            Saved.
          </p>
        )}
        {!needsReauthentication(save.error) && (
          <button type="submit" disabled={save.isPending || choice === user.secondFactor}>
            Save second factor
          </button>
        )}
      </form>
      <ReauthenticateOr mutation={save} retry={() => save.mutate()} fieldPaths={['secondFactor']} />
    </Section>
  );
}

function InboundAddressSection() {
  const { api } = useServices();
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  const [confirming, setConfirming] = useState(false);
  const address = useQuery({
    queryKey: ['me', 'inbound-address'],
    queryFn: async () => unwrap(await api.GET('/me/inbound-address')),
  });
  const rotate = useMutation({
    mutationFn: async () => unwrap(await api.POST('/me/inbound-address/rotate')),
    onSuccess: async () => {
      // The old address is dead from now on: show the new one (what GET answers after the rotation).
      await address.refetch();
      setConfirming(false);
      setCopied('idle');
    },
  });
  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('copied');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <Section title="Receipts by e-mail">
      <p>Forward e-mailed receipts to this address and they are imported into your purchases.</p>
      <QueryState query={address}>
        {({ address: inbound }) => (
          <p>
            <code data-testid="inbound-address" className="secret-value">
              {inbound}
            </code>{' '}
            <button type="button" className="secondary" onClick={() => void copy(inbound)}>
              Copy address
            </button>
            <span role="status" className="muted">
              {copied === 'copied' && ' Copied to the clipboard.'}
              {copied === 'failed' && ' Could not copy: select the address and copy it by hand.'}
              {rotate.isSuccess && ' New address ready.'}
            </span>
          </p>
        )}
      </QueryState>
      {confirming ? (
        <fieldset aria-label="Confirm new address" className="inline-form">
          <legend>Mail sent to the current address will be refused from now on. Get a new address?</legend>
          <button type="button" onClick={() => rotate.mutate()} disabled={rotate.isPending}>
            Yes, new address
          </button>
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>
            Keep this one
          </button>
        </fieldset>
      ) : (
        <button type="button" className="secondary" onClick={() => setConfirming(true)}>
          New address
        </button>
      )}
      <FormError error={rotate.error} />
    </Section>
  );
}

function DeleteAccountSection() {
  const { api, session } = useServices();
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const [sure, setSure] = useState(false);
  const remove = useMutation({
    mutationFn: async () => unwrap(await api.DELETE('/auth/me', { body: { password } })) as unknown,
    onSuccess: () => {
      session.clear();
      void navigate(routes.home);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    remove.mutate();
  };
  return (
    <Section title="Delete account">
      <p>
        Deletes your account, purchases, watches, alerts, lists and store connections. This cannot be undone.
      </p>
      <form className="form" aria-label="Delete account" onSubmit={submit}>
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={remove.error instanceof ApiError ? remove.error.issueFor('password') : undefined}
        />
        <label className="choice">
          <input type="checkbox" checked={sure} onChange={(event) => setSure(event.target.checked)} />I
          understand that my data is deleted for good
        </label>
        <FormError error={remove.error} fieldPaths={['password']} />
        <button type="submit" className="danger" disabled={!sure || remove.isPending}>
          Delete my account
        </button>
      </form>
    </Section>
  );
}

export function SettingsScreen() {
  const state = useSession();
  const online = useOnline();
  if (state.status !== 'signed-in') return null;
  const { user } = state;
  return (
    <Page title="Settings">
      <p>
        Where alerts go: <Link to={routes.notifications}>Notifications</Link>. Connected stores:{' '}
        <Link to={routes.storeAccounts}>Store accounts</Link>.
      </p>
      <OfflineNotice>
        Settings show what was loaded; changes can be made once you are back online.
      </OfflineNotice>
      {/* Offline, every form and button below is disabled at once (a disabled fieldset disables its controls). */}
      <fieldset className="bare stack" disabled={!online}>
        <ProfileSection user={user} />
        <EmailSection user={user} />
        <PasswordSection />
        <PhoneSection user={user} />
        <SecondFactorSection user={user} />
        <InboundAddressSection />
        <SessionsSection />
        <ExportSection userId={user.id} />
        <DeleteAccountSection />
      </fieldset>
    </Page>
  );
}
