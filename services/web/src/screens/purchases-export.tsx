/** "Export CSV" on the purchases screen: the purchases matching the current filter, as the import CSV. */
import { useMutation } from '@tanstack/react-query';
import { unwrap } from '../api/errors';
import { useApi } from '../app-context';
import { FormError } from '../components/ui';
import { filenameOf, saveFile } from './download-file';

export function PurchasesCsvExport({ text }: { text: string }) {
  const api = useApi();
  const download = useMutation({
    mutationFn: async () => {
      const result = await api.GET('/purchases/export.csv', {
        params: { query: { ...(text && { text }) } },
        parseAs: 'blob',
      });
      const blob = unwrap(result) as unknown as Blob;
      saveFile(blob, filenameOf(result.response, 'purchases.csv'));
    },
  });
  return (
    <div className="stack">
      <button
        type="button"
        className="secondary"
        onClick={() => download.mutate()}
        disabled={download.isPending}
        aria-describedby="purchases-export-hint"
      >
        {download.isPending ? 'Exporting…' : 'Export CSV'}
      </button>
      <small id="purchases-export-hint" className="muted">
        {text ? `Purchases with “${text}”` : 'All your purchases'}, in the CSV format the import reads.
      </small>
      <FormError error={download.error} />
    </div>
  );
}
