/** Import a receipt: a photo of a paper one (reviewed on its own screen), its text, or a CSV or JSON file. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { Link } from 'react-router';
import type { Api } from '../../api/client';
import { unwrap } from '../../api/errors';
import { useApi } from '../../app-context';
import { Field, FormError, Page } from '../../components/ui';
import { routes } from '../../routes';
import { PhotoUpload } from './photo-upload';
import {
  type ImportRequest,
  type ImportValidation,
  validateFileImport,
  validateTextImport,
} from './receipt-import';

type Outcome = { purchaseIds: string[]; created: number; itemCount: number };

async function sendImport(api: Api, request: ImportRequest): Promise<Outcome> {
  switch (request.kind) {
    case 'text':
    case 'json': {
      const result =
        request.kind === 'text'
          ? unwrap(await api.POST('/receipts/text', { body: request.body }))
          : unwrap(await api.POST('/receipts', { body: request.body }));
      return {
        purchaseIds: [result.purchase.id],
        created: result.created ? 1 : 0,
        itemCount: result.purchase.itemCount,
      };
    }
    case 'csv':
    case 'batch': {
      const result =
        request.kind === 'csv'
          ? unwrap(
              await api.POST('/receipts/csv', {
                body: request.body,
                headers: { 'content-type': 'text/csv' },
                bodySerializer: (body?: string) => body ?? '',
              }),
            )
          : unwrap(await api.POST('/receipts/batch', { body: request.body }));
      return {
        purchaseIds: result.purchases.map((purchase) => purchase.id),
        created: result.purchases.filter((purchase) => purchase.created).length,
        itemCount: result.itemCount,
      };
    }
  }
}

export function ImportScreen() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<'text' | 'file'>('text');
  const [storeSlug, setStoreSlug] = useState('');
  const [currency, setCurrency] = useState('USD');
  const [text, setText] = useState('');
  const [file, setFile] = useState<File>();
  const [invalid, setInvalid] = useState<Extract<ImportValidation, { ok: false }>['errors']>({});
  const ids = { store: useId(), text: useId(), file: useId() };

  const stores = useQuery({
    queryKey: ['stores'],
    queryFn: async () => unwrap(await api.GET('/stores', { params: { query: { limit: 100 } } })),
  });
  const send = useMutation({
    mutationFn: (request: ImportRequest) => sendImport(api, request),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['purchases'] });
      setText('');
    },
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    send.reset();
    const validation =
      mode === 'text' ? validateTextImport({ storeSlug, text, currency }) : await validateFileImport(file);
    if (!validation.ok) {
      setInvalid(validation.errors);
      return;
    }
    setInvalid({});
    send.mutate(validation.request);
  };

  const outcome = send.data;
  return (
    <Page title="Import a receipt">
      <PhotoUpload />
      <h2>Receipt text or a file</h2>
      <fieldset className="choices">
        <legend>How to import</legend>
        <label className="choice">
          <input type="radio" name="import-mode" checked={mode === 'text'} onChange={() => setMode('text')} />
          Paste text
        </label>
        <label className="choice">
          <input type="radio" name="import-mode" checked={mode === 'file'} onChange={() => setMode('file')} />
          Upload a CSV or JSON file
        </label>
      </fieldset>
      <form onSubmit={(event) => void submit(event)} className="form" noValidate>
        {mode === 'text' ? (
          <>
            <div className="field">
              <label htmlFor={ids.store}>Store</label>
              <select
                id={ids.store}
                value={storeSlug}
                onChange={(event) => setStoreSlug(event.target.value)}
                aria-invalid={invalid.storeSlug ? true : undefined}
                aria-describedby={invalid.storeSlug ? `${ids.store}-error` : undefined}
              >
                <option value="">Choose a store…</option>
                {stores.data?.items.map((store) => (
                  <option key={store.slug} value={store.slug}>
                    {store.name}
                  </option>
                ))}
              </select>
              {invalid.storeSlug && (
                <small id={`${ids.store}-error`} className="field-error">
                  {invalid.storeSlug}
                </small>
              )}
            </div>
            <Field
              label="Currency"
              value={currency}
              maxLength={3}
              onChange={(event) => setCurrency(event.target.value.toUpperCase())}
              error={invalid.currency}
            />
            <div className="field">
              <label htmlFor={ids.text}>Receipt text</label>
              <textarea
                id={ids.text}
                rows={12}
                value={text}
                onChange={(event) => setText(event.target.value)}
                aria-invalid={invalid.text ? true : undefined}
                aria-describedby={invalid.text ? `${ids.text}-error` : undefined}
              />
              {invalid.text && (
                <small id={`${ids.text}-error`} className="field-error">
                  {invalid.text}
                </small>
              )}
            </div>
          </>
        ) : (
          <div className="field">
            <label htmlFor={ids.file}>Receipt file (.csv or .json)</label>
            <input
              id={ids.file}
              type="file"
              accept=".csv,.json,text/csv,application/json"
              onChange={(event) => setFile(event.target.files?.[0])}
              aria-invalid={invalid.file ? true : undefined}
              aria-describedby={invalid.file ? `${ids.file}-error` : undefined}
            />
            {invalid.file && (
              <small id={`${ids.file}-error`} className="field-error">
                {invalid.file}
              </small>
            )}
          </div>
        )}
        <FormError error={send.error} />
        <button type="submit" disabled={send.isPending}>
          Import
        </button>
      </form>
      {outcome && (
        <div role="status" className="notice">
          <p>
            {outcome.created === 0
              ? 'Already imported: nothing new was recorded.'
              : `Imported ${outcome.created} receipt${outcome.created === 1 ? '' : 's'} with ${outcome.itemCount} item${outcome.itemCount === 1 ? '' : 's'}.`}
          </p>
          {outcome.purchaseIds.length === 1 && outcome.purchaseIds[0] && (
            <Link to={routes.purchase(outcome.purchaseIds[0])}>See the purchase</Link>
          )}
        </div>
      )}
    </Page>
  );
}
