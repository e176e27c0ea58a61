/**
 * Settings › Sessions: the devices signed in to the account (`GET /auth/sessions`), each with its own
 * "Sign out" (`DELETE /auth/sessions/{id}`; its tokens stop working at once, docs/gateway.md#active-sessions),
 * and "Sign out everywhere" (`POST /auth/logout-all`). Signing this device out, either way, ends the
 * session here too and goes to the sign-in page.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId } from 'react';
import { useNavigate } from 'react-router';
import { unwrap } from '../api/errors';
import type { components } from '../api/schema';
import { useServices } from '../app-context';
import { FormError, QueryState } from '../components/ui';
import { formatDateTime } from '../format';
import { routes } from '../routes';

type ActiveSession = components['schemas']['ActiveSession'];

const sessionsKey = ['auth', 'sessions'] as const;

function SessionItem({
  item,
  onSignedOut,
}: {
  item: ActiveSession;
  onSignedOut: (current: boolean) => void;
}) {
  const { api } = useServices();
  const labelId = useId();
  const signOut = useMutation({
    mutationFn: async () =>
      unwrap(await api.DELETE('/auth/sessions/{id}', { params: { path: { id: item.id } } })) as unknown,
    onSuccess: () => onSignedOut(item.current),
  });
  return (
    <li>
      <p className="session-line">
        <strong id={labelId}>{item.device}</strong>
        {item.current && <span className="muted"> (this device)</span>}
      </p>
      <p className="muted session-line">
        Signed in {formatDateTime(item.createdAt)} · last active {formatDateTime(item.lastUsedAt)}
        {item.ipNetwork && <> · from network {item.ipNetwork}</>}
      </p>
      <FormError error={signOut.error} />
      <button
        type="button"
        className="secondary"
        aria-describedby={labelId}
        onClick={() => signOut.mutate()}
        disabled={signOut.isPending}
      >
        {item.current ? 'Sign out this device' : 'Sign out'}
      </button>
    </li>
  );
}

export function SessionsSection() {
  const { api, session } = useServices();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const headingId = useId();
  const sessions = useQuery({
    queryKey: sessionsKey,
    queryFn: async () => unwrap(await api.GET('/auth/sessions')),
  });
  const leave = () => {
    session.clear();
    void navigate(routes.signIn);
  };
  const signOutEverywhere = useMutation({
    mutationFn: async () => unwrap(await api.POST('/auth/logout-all')) as unknown,
    onSuccess: leave,
  });
  const signedOut = (current: boolean) => {
    if (current) leave();
    else void queryClient.invalidateQueries({ queryKey: sessionsKey });
  };
  return (
    <section className="card stack" aria-labelledby={headingId}>
      <h2 id={headingId}>Sessions</h2>
      <p>Where your account is signed in. Sign out a device you no longer have or do not recognise.</p>
      <QueryState query={sessions}>
        {({ sessions: items }) => (
          <ul className="plain sessions" aria-label="Signed-in devices">
            {items.map((item) => (
              <SessionItem key={item.id} item={item} onSignedOut={signedOut} />
            ))}
          </ul>
        )}
      </QueryState>
      <FormError error={signOutEverywhere.error} />
      <button
        type="button"
        className="secondary"
        onClick={() => signOutEverywhere.mutate()}
        disabled={signOutEverywhere.isPending}
      >
        Sign out everywhere
      </button>
    </section>
  );
}
