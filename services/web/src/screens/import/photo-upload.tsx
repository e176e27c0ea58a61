/**
 * Import › "Photo of a paper receipt": the camera on phones (`capture="environment"`), a file pick on
 * desktops. The image is sent as it is, as the raw body of `POST /receipts/photo` with its own
 * Content-Type; OCR runs in the background, so the app goes straight to the review screen, which follows
 * it (docs/receipt-ingest.md#receipts-from-photos).
 */
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { useNavigate } from 'react-router';
import type { Api } from '../../api/client';
import { ApiError, unwrap } from '../../api/errors';
import { useApi } from '../../app-context';
import { FormError } from '../../components/ui';
import { routes } from '../../routes';

/** The API's refusals of an upload, said in terms of what the shopper can do about them. */
function photoUploadError(error: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  if (error.status === 413)
    return new ApiError(
      413,
      error.code,
      'This photo is too large to upload. Take it again at a lower camera resolution, or choose a smaller image.',
    );
  if (error.status === 415 || error.status === 422)
    return new ApiError(
      error.status,
      error.code,
      'CartWatch cannot read this file as a photo. Choose a JPEG, PNG, WebP or HEIC image of the receipt.',
    );
  return error;
}

async function uploadPhoto(api: Api, file: File): Promise<{ id: string; duplicate: boolean }> {
  try {
    return unwrap(
      await api.POST('/receipts/photo', {
        // The raw image is the body; the service reads its type from its bytes (HEIC may come untyped).
        body: file as unknown as string,
        headers: { 'content-type': file.type || 'application/octet-stream' },
        bodySerializer: () => file,
      }),
    );
  } catch (error) {
    throw photoUploadError(error);
  }
}

export function PhotoUpload() {
  const api = useApi();
  const navigate = useNavigate();
  const headingId = useId();
  const inputId = useId();
  const [file, setFile] = useState<File>();
  const [missing, setMissing] = useState(false);
  const upload = useMutation({
    mutationFn: (photo: File) => uploadPhoto(api, photo),
    onSuccess: ({ id, duplicate }) => navigate(routes.photoReceipt(id), { state: { duplicate } }),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    upload.reset();
    if (!file) {
      setMissing(true);
      return;
    }
    setMissing(false);
    upload.mutate(file);
  };

  return (
    <section className="card stack photo-upload" aria-labelledby={headingId}>
      <h2 id={headingId}>Photo of a paper receipt</h2>
      <form onSubmit={submit} className="form" noValidate>
        <div className="field">
          <label htmlFor={inputId}>Receipt photo</label>
          <input
            id={inputId}
            type="file"
            accept="image/*"
            capture="environment"
            onChange={(event) => {
              setFile(event.target.files?.[0]);
              setMissing(false);
              upload.reset();
            }}
            aria-invalid={missing ? true : undefined}
            aria-describedby={`${inputId}-hint${missing ? ` ${inputId}-error` : ''}`}
          />
          <small id={`${inputId}-hint`} className="hint">
            On a phone this opens the camera: lay the receipt flat on a darker surface, in good light. You
            check what was read before anything is saved.
          </small>
          {missing && (
            <small id={`${inputId}-error`} className="field-error">
              Take or choose a photo first.
            </small>
          )}
        </div>
        <FormError error={upload.error} />
        <button type="submit" disabled={upload.isPending}>
          {upload.isPending ? 'Uploading…' : 'Upload photo'}
        </button>
      </form>
    </section>
  );
}
