/**
 * Review a receipt photo (/app/import/photo/:id; a lazy chunk): follows the OCR job while it is queued
 * or being read, then shows the photo beside the draft CartWatch read from it. Lines read with low
 * confidence are marked in words ("Check"), not by colour alone; the line being edited is outlined on
 * the photo. The shopper edits, adds and deletes lines, sets store and date, saves the draft, and
 * confirms it into a purchase (keeping the photo or not). The API and its rules are in
 * docs/receipt-ingest.md#receipts-from-photos.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { ApiError, unwrap } from '../../api/errors';
import { useApi } from '../../app-context';
import { FieldFrame, FormError, Page, QueryState } from '../../components/ui';
import { routes } from '../../routes';
import {
  centsToInput,
  type DraftForm,
  type DraftInput,
  draftForm,
  type FormErrors,
  type LineForm,
  LOW_CONFIDENCE,
  lineForm,
  type PhotoDraft,
  type PhotoReceipt,
  toDraftInput,
} from './photo-draft-form';

const reading = (photo: PhotoReceipt | undefined) =>
  photo?.status === 'queued' || photo?.status === 'processing';

/** How often the screen asks for the job's status while the photo is being read. */
const POLL_MS = 1_000;

export function PhotoReviewScreen() {
  const { id = '' } = useParams();
  const api = useApi();
  const photo = useQuery({
    queryKey: ['receipts', 'photo', id],
    queryFn: async () => unwrap(await api.GET('/receipts/photo/{id}', { params: { path: { id } } })),
    refetchInterval: (query) => (reading(query.state.data) ? POLL_MS : false),
    retry: (failures, error) => !(error instanceof ApiError && error.status < 500) && failures < 2,
  });
  return (
    <Page title="Review the receipt photo">
      <QueryState query={photo}>{(data) => <PhotoReview photo={data} />}</QueryState>
      <p>
        <Link to={routes.importReceipt}>Back to import</Link>
      </p>
    </Page>
  );
}

function PhotoReview({ photo }: { photo: PhotoReceipt }) {
  const [activeLine, setActiveLine] = useState<LineForm>();
  // The upload answered that this shopper had sent the very same photo before (docs/receipt-ingest.md#flow).
  const duplicate = (useLocation().state as { duplicate?: boolean } | null)?.duplicate === true;
  const again = duplicate && (
    <p role="status" className="notice">
      You uploaded this photo before: this is the same receipt, not a new one.
    </p>
  );
  if (reading(photo))
    return (
      <>
        {again}
        <Reading photo={photo} />
      </>
    );
  const draft = photo.draft;
  return (
    <div className={photo.hasImage ? 'photo-review' : 'stack'}>
      {photo.hasImage && <ReceiptPhoto photo={photo} activeLine={activeLine} />}
      <div className="stack photo-review-draft">
        {again}
        {photo.status === 'failed' && (
          <div role="alert" className="form-error">
            <p>CartWatch could not read this photo{photo.error ? ` (${photo.error})` : ''}.</p>
            <p>Delete it and take another one: flat, in good light, the whole receipt in the picture.</p>
          </div>
        )}
        {photo.status === 'no_receipt' && (
          <div role="status" className="notice">
            <p>
              No receipt lines were found on this photo. Take another photo (flat, in good light, the whole
              receipt in the picture), or type the lines in below.
            </p>
          </div>
        )}
        {photo.status === 'confirmed' && (
          <div role="status" className="notice">
            <p>This receipt is saved as a purchase.</p>
            {photo.purchaseId && <Link to={routes.purchase(photo.purchaseId)}>See the purchase</Link>}
          </div>
        )}
        {(photo.status === 'ready' || photo.status === 'no_receipt') && draft && (
          <DraftEditor photo={photo} draft={draft} onActiveLine={setActiveLine} />
        )}
        <DeletePhoto photo={photo} />
      </div>
    </div>
  );
}

function Reading({ photo }: { photo: PhotoReceipt }) {
  const label = photo.status === 'queued' ? 'Waiting for a free reader…' : 'Reading the receipt…';
  return (
    <div role="status" className="notice stack">
      <p>{label} This takes a few seconds; the lines appear here when they are read.</p>
      <progress aria-label="Reading the receipt photo" />
    </div>
  );
}

/**
 * The image as a `data:` URL: the served Content-Security-Policy allows images from `'self'` and `data:`
 * only (docs/security.md), so a `blob:` URL would not show, and a plain `<img src>` could not send the
 * session's token.
 */
async function dataUrl(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let start = 0; start < bytes.length; start += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  return `data:${blob.type || 'image/jpeg'};base64,${btoa(binary)}`;
}

/** The photo (fetched with the session's token) and the active line's region on it. */
function ReceiptPhoto({ photo, activeLine }: { photo: PhotoReceipt; activeLine: LineForm | undefined }) {
  const api = useApi();
  const image = useQuery({
    queryKey: ['receipts', 'photo', photo.id, 'image', photo.processedAt],
    queryFn: async () =>
      dataUrl(
        unwrap(
          await api.GET('/receipts/photo/{id}/image', {
            params: { path: { id: photo.id } },
            parseAs: 'blob',
          }),
        ) as unknown as Blob,
      ),
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  const url = image.data;
  const region = activeLine?.region;
  return (
    <figure className="photo-review-photo">
      {/* Scrolls on its own (a long receipt), so it is focusable for keyboard users. */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard */}
      <section className="photo-frame" tabIndex={0} aria-label="Receipt photo">
        {url ? (
          <div className="photo-canvas">
            <img src={url} alt="The receipt as photographed" />
            {region && (
              <div
                className="photo-region"
                aria-hidden="true"
                style={{
                  left: `${region.x * 100}%`,
                  top: `${region.y * 100}%`,
                  width: `${region.width * 100}%`,
                  height: `${region.height * 100}%`,
                }}
              />
            )}
          </div>
        ) : image.isError ? (
          <FormError error={image.error} />
        ) : (
          <p className="muted" aria-busy="true">
            Loading the photo…
          </p>
        )}
      </section>
      <figcaption className="hint">The line you are editing is outlined on the photo.</figcaption>
    </figure>
  );
}

function DraftEditor({
  photo,
  draft,
  onActiveLine,
}: {
  photo: PhotoReceipt;
  draft: NonNullable<PhotoDraft>;
  onActiveLine: (line: LineForm | undefined) => void;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [form, setForm] = useState<DraftForm>(() => draftForm(draft));
  const [errors, setErrors] = useState<FormErrors>({});
  const [keepPhoto, setKeepPhoto] = useState(false);
  const [saved, setSaved] = useState(false);
  const ids = { lowNote: useId(), lines: useId(), keep: useId() };

  const stores = useQuery({
    queryKey: ['stores'],
    queryFn: async () => unwrap(await api.GET('/stores', { params: { query: { limit: 100 } } })),
  });

  const putDraft = async (input: DraftInput) => {
    const updated = unwrap(
      await api.PUT('/receipts/photo/{id}/draft', { params: { path: { id: photo.id } }, body: input }),
    );
    queryClient.setQueryData(['receipts', 'photo', photo.id], updated);
    if (updated.draft) setForm(draftForm(updated.draft));
    return updated;
  };
  const save = useMutation({
    mutationFn: putDraft,
    onSuccess: () => setSaved(true),
  });
  const confirm = useMutation({
    mutationFn: async (input: DraftInput) => {
      await putDraft(input);
      return unwrap(
        await api.POST('/receipts/photo/{id}/confirm', {
          params: { path: { id: photo.id } },
          body: { keepPhoto },
        }),
      );
    },
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: ['purchases'] });
      void queryClient.invalidateQueries({ queryKey: ['receipts', 'photo', photo.id] });
      void navigate(routes.purchase(result.purchase.id));
    },
  });

  const validInput = (forConfirm: boolean) => {
    const result = toDraftInput(form, draft);
    const problems: FormErrors = result.ok ? {} : { ...result.errors };
    if (forConfirm && !form.storeSlug) problems.storeSlug = 'Choose the store this receipt is from.';
    if (forConfirm && form.lines.length === 0) problems.lines = 'Add the receipt’s lines first.';
    setErrors(problems);
    return result.ok && Object.keys(problems).length === 0 ? result.input : undefined;
  };

  const confirmPurchase = () => {
    save.reset();
    confirm.reset();
    setSaved(false);
    const input = validInput(true);
    if (input) confirm.mutate(input);
  };
  // Enter in a field saves the draft; only the Confirm button records the purchase.
  const saveDraft = (event?: FormEvent) => {
    event?.preventDefault();
    save.reset();
    confirm.reset();
    setSaved(false);
    const input = validInput(false);
    if (input) save.mutate(input);
  };

  const change = (patch: Partial<DraftForm>) => {
    setSaved(false);
    setForm((current) => ({ ...current, ...patch }));
  };
  const changeLine = (key: string, patch: Partial<LineForm>) =>
    change({ lines: form.lines.map((line) => (line.key === key ? { ...line, ...patch } : line)) });

  // The API's field issues (`lines.0.name`, `storeSlug`) go beside their fields like the form's own.
  const serverError = confirm.error ?? save.error;
  const issue = (path: string) =>
    errors[path] ?? (serverError instanceof ApiError ? serverError.issueFor(path) : undefined);
  const fieldPaths = [
    'storeSlug',
    'purchasedAt',
    'currency',
    'lines',
    ...form.lines.flatMap((_, index) =>
      ['name', 'quantity', 'unitPriceCents', 'paidCents'].map((field) => `lines.${index}.${field}`),
    ),
  ];
  const lowLines = form.lines.filter((line) => line.confidence < LOW_CONFIDENCE).length;
  const busy = save.isPending || confirm.isPending;
  const storeOptions = stores.data?.items ?? [];
  const knownStore = storeOptions.some((store) => store.slug === form.storeSlug);

  return (
    <form onSubmit={saveDraft} className="stack" noValidate aria-label="Receipt draft">
      <div className="draft-header">
        <FieldFrame
          label="Store"
          error={issue('storeSlug')}
          hint={
            draft.storeMatchedBy && form.storeSlug === draft.storeSlug
              ? `Recognised from the receipt’s ${draft.storeMatchedBy === 'address' ? 'address' : 'store name'}.`
              : undefined
          }
          control={(tie) => (
            <select
              {...tie}
              value={form.storeSlug}
              onChange={(event) => change({ storeSlug: event.target.value })}
            >
              <option value="">Choose a store…</option>
              {form.storeSlug && !knownStore && <option value={form.storeSlug}>{form.storeSlug}</option>}
              {storeOptions.map((store) => (
                <option key={store.slug} value={store.slug}>
                  {store.name}
                </option>
              ))}
            </select>
          )}
        />
        <FieldFrame
          label="Date and time"
          error={issue('purchasedAt')}
          hint={
            form.purchasedAt ? undefined : 'Not read from the receipt: the upload time is used if left empty.'
          }
          control={(tie) => (
            <input
              {...tie}
              type="datetime-local"
              value={form.purchasedAt}
              onChange={(event) => change({ purchasedAt: event.target.value })}
            />
          )}
        />
        <FieldFrame
          label="Currency"
          error={issue('currency')}
          control={(tie) => (
            <input
              {...tie}
              maxLength={3}
              value={form.currency}
              onChange={(event) => change({ currency: event.target.value.toUpperCase() })}
            />
          )}
        />
      </div>

      <h2 id={ids.lines}>Lines</h2>
      {lowLines > 0 && (
        <p id={ids.lowNote} className="notice">
          {lowLines === 1
            ? '1 line was hard to read and is marked “Check”: compare it with the photo.'
            : `${lowLines} lines were hard to read and are marked “Check”: compare them with the photo.`}
        </p>
      )}
      {issue('lines') && (
        <p className="field-error" role="alert">
          {issue('lines')}
        </p>
      )}
      <ol className="draft-lines" aria-labelledby={ids.lines}>
        {form.lines.map((line, index) => (
          <DraftLineFields
            key={line.key}
            line={line}
            index={index}
            issue={issue}
            disabled={busy}
            onChange={(patch) => changeLine(line.key, patch)}
            onDelete={() => {
              setErrors({});
              onActiveLine(undefined);
              change({ lines: form.lines.filter((other) => other.key !== line.key) });
            }}
            onFocus={() => onActiveLine(line)}
          />
        ))}
      </ol>
      <div className="actions">
        <button
          type="button"
          className="secondary"
          onClick={() => change({ lines: [...form.lines, lineForm()] })}
        >
          Add a line
        </button>
      </div>

      <FormError error={serverError} fieldPaths={fieldPaths} />
      {saved && (
        <p role="status" className="notice">
          Draft saved.
        </p>
      )}
      <div className="choice">
        <input
          id={ids.keep}
          type="checkbox"
          checked={keepPhoto}
          onChange={(event) => setKeepPhoto(event.target.checked)}
        />
        <label htmlFor={ids.keep}>Keep the photo after the purchase is saved</label>
      </div>
      <p className="hint">Otherwise it is deleted once the purchase is saved.</p>
      <div className="actions">
        <button type="submit" className="secondary" disabled={busy}>
          {save.isPending ? 'Saving…' : 'Save draft'}
        </button>
        <button type="button" onClick={confirmPurchase} disabled={busy}>
          {confirm.isPending ? 'Saving the purchase…' : 'Confirm'}
        </button>
      </div>
    </form>
  );
}

function DraftLineFields({
  line,
  index,
  issue,
  disabled,
  onChange,
  onDelete,
  onFocus,
}: {
  line: LineForm;
  index: number;
  issue: (path: string) => string | undefined;
  disabled: boolean;
  onChange: (patch: Partial<LineForm>) => void;
  onDelete: () => void;
  onFocus: () => void;
}) {
  const low = line.confidence < LOW_CONFIDENCE;
  const at = (field: string) => `lines.${index}.${field}`;
  const text = (label: string, field: keyof LineForm, path: string, inputMode?: 'decimal') => (
    <FieldFrame
      label={label}
      error={issue(at(path))}
      control={(tie) => (
        <input
          {...tie}
          {...(inputMode && { inputMode })}
          value={line[field] as string}
          onChange={(event) => onChange({ [field]: event.target.value })}
        />
      )}
    />
  );
  return (
    <li>
      <fieldset className={low ? 'draft-line low-confidence' : 'draft-line'} onFocus={onFocus}>
        <legend>
          Line {index + 1}
          {low && (
            <>
              {' '}
              <span className="check-badge">Check</span>
              <span className="sr-only">: hard to read, compare it with the photo</span>
            </>
          )}
        </legend>
        <div className="draft-line-name">{text('Name', 'name', 'name')}</div>
        {line.discountCents > 0 && (
          <p className="hint draft-line-name">
            A discount of {centsToInput(line.discountCents)} was read for this line; Paid is after it.
          </p>
        )}
        {text('Quantity', 'quantity', 'quantity', 'decimal')}
        {text('Unit price', 'unitPrice', 'unitPriceCents', 'decimal')}
        {text('Paid', 'paid', 'paidCents', 'decimal')}
        <button type="button" className="secondary draft-line-delete" onClick={onDelete} disabled={disabled}>
          Delete line {index + 1}
        </button>
      </fieldset>
    </li>
  );
}

/** "Delete this photo" after a confirmation: the draft and its photo go (a saved purchase stays). */
function DeletePhoto({ photo }: { photo: PhotoReceipt }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [asking, setAsking] = useState(false);
  const remove = useMutation({
    mutationFn: async () =>
      unwrap(await api.DELETE('/receipts/photo/{id}', { params: { path: { id: photo.id } } })),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: ['receipts', 'photo', photo.id] });
      void navigate(routes.importReceipt);
    },
  });
  const what =
    photo.status === 'confirmed'
      ? 'Delete the photo (the purchase stays)'
      : 'Delete the photo and this draft';
  return (
    <div className="stack">
      {asking ? (
        <fieldset className="bare actions">
          <legend className="sr-only">Delete the photo</legend>
          <span>{what}?</span>
          <button
            type="button"
            className="danger"
            onClick={() => remove.mutate()}
            disabled={remove.isPending}
          >
            Delete
          </button>
          <button type="button" className="secondary" onClick={() => setAsking(false)}>
            Keep it
          </button>
        </fieldset>
      ) : (
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setAsking(true)}>
            {photo.status === 'failed' || photo.status === 'no_receipt'
              ? 'Delete and take another photo'
              : 'Delete this photo'}
          </button>
        </div>
      )}
      <FormError error={remove.error} />
    </div>
  );
}
