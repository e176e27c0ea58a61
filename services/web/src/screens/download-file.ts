/**
 * Saves a response body the app fetched itself (with the in-memory access token, so a plain link would
 * not do) as a file: an object URL on a temporary `<a download>`, which the browser saves.
 */
export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the URL; keep it a while for browsers that read it lazily.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The `filename` of a `Content-Disposition: attachment; filename="…"` header, else `fallback`. */
export function filenameOf(response: Response, fallback: string): string {
  const match = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '');
  return match?.[1] ?? fallback;
}
