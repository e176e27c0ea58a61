/** Small accessible building blocks shared by the screens. */
import { type QueryKey, type UseQueryResult, useQuery } from '@tanstack/react-query';
import { type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, useId } from 'react';
import { ApiError, describeError } from '../api/errors';
import { useOnline } from './offline';

interface FieldNotes {
  label: string;
  error?: string | undefined;
  hint?: string | undefined;
}

/**
 * A field's label, its control and the hint and error under it; `control` gets the id and the
 * aria-describedby that tie them together, so the error is announced with the control.
 */
export function FieldFrame({
  label,
  error,
  hint,
  control,
}: FieldNotes & {
  control: (props: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {control({
        id,
        ...(error && { 'aria-invalid': true as const }),
        ...(described && { 'aria-describedby': described }),
      })}
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      )}
    </div>
  );
}

/** A labelled input whose error is announced and tied to it with aria-describedby. */
export function Field({ label, error, hint, ...input }: InputHTMLAttributes<HTMLInputElement> & FieldNotes) {
  return (
    <FieldFrame label={label} error={error} hint={hint} control={(tie) => <input {...tie} {...input} />} />
  );
}

/** A labelled select whose error is tied to it with aria-describedby, like `Field`. */
export function SelectField({
  label,
  error,
  hint,
  children,
  ...select
}: SelectHTMLAttributes<HTMLSelectElement> & {
  label: string;
  error?: string | undefined;
  hint?: string | undefined;
  children: ReactNode;
}) {
  return (
    <FieldFrame
      label={label}
      error={error}
      hint={hint}
      control={(tie) => (
        <select {...tie} {...select}>
          {children}
        </select>
      )}
    />
  );
}

/** The 6-digit one-time code the gateway sends by e-mail or SMS (autofilled from the message on phones). */
export function CodeField({
  value,
  onChange,
  error,
  hint,
}: {
  value: string;
  onChange: (code: string) => void;
  error?: string | undefined;
  hint?: string | undefined;
}) {
  return (
    <Field
      label="Code"
      name="code"
      inputMode="numeric"
      autoComplete="one-time-code"
      pattern="\d{6}"
      maxLength={6}
      required
      value={value}
      onChange={(event) => onChange(event.target.value.trim())}
      error={error}
      hint={hint}
    />
  );
}

/**
 * A form-level error (role=alert, so screen readers announce it at once). Issues the form shows beside
 * their own fields (`fieldPaths`) are only counted here, so each problem is read out once; the rest are
 * listed.
 */
export function FormError({ error, fieldPaths = [] }: { error: unknown; fieldPaths?: readonly string[] }) {
  if (!error) return null;
  const issues = error instanceof ApiError ? error.issues : [];
  const elsewhere = issues.filter((issue) => !fieldPaths.includes(issue.path));
  const onFields = issues.length - elsewhere.length;
  return (
    <div role="alert" className="form-error">
      <p>{describeError(error)}</p>
      {onFields > 0 && (
        <p>
          {onFields === 1
            ? 'Fix the field marked in the form.'
            : `Fix the ${onFields} fields marked in the form.`}
        </p>
      )}
      {elsewhere.length > 0 && (
        <ul>
          {elsewhere.map((issue) => (
            <li key={`${issue.path}:${issue.message}`}>
              {issue.path ? `${issue.path}: ` : ''}
              {issue.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Loading, offline (paused until the network is back), error and empty states of a query around its content. */
export function QueryState<T>({
  query,
  children,
  empty,
}: {
  query: UseQueryResult<T>;
  children: (data: T) => ReactNode;
  empty?: (data: T) => boolean;
}) {
  const online = useOnline();
  // Offline, what is not loaded yet waits for the network (or for the service worker's copy, if any).
  if (query.isPending)
    return query.fetchStatus === 'paused' || !online ? (
      <p className="muted">You are offline: this shows once you are back online.</p>
    ) : (
      <p className="muted" aria-busy="true">
        Loading…
      </p>
    );
  if (query.isError) return <FormError error={query.error} />;
  if (empty?.(query.data)) return <p className="muted">Nothing here yet.</p>;
  return <>{children(query.data)}</>;
}

export function Page({
  title,
  children,
  actions,
}: {
  title: string;
  children: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">{title}</h1>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** useQuery with the key and fetcher side by side; fetchers call unwrap() so errors are ApiErrors. */
export function useApiQuery<T>(key: QueryKey, fetcher: () => Promise<T>, enabled = true) {
  return useQuery({ queryKey: key, queryFn: fetcher, enabled });
}
