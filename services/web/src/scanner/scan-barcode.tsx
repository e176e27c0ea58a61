/**
 * "Scan a barcode" beside a search: opens the camera scanner (its code and decoder are a lazy chunk, so
 * screens that never scan never download them) and hands the GTIN it reads to `onDetected`.
 */
import { lazy, Suspense, useCallback, useState } from 'react';

const BarcodeScanner = lazy(() => import('./barcode-scanner'));

export function ScanBarcode({ onDetected }: { onDetected: (gtin: string) => void }) {
  const [open, setOpen] = useState(false);
  const detected = useCallback(
    (gtin: string) => {
      setOpen(false);
      onDetected(gtin);
    },
    [onDetected],
  );
  const close = useCallback(() => setOpen(false), []);
  if (!open)
    return (
      <button type="button" className="secondary" onClick={() => setOpen(true)}>
        Scan a barcode
      </button>
    );
  return (
    <Suspense
      fallback={
        <p className="muted" aria-busy="true">
          Loading the scanner…
        </p>
      }
    >
      <BarcodeScanner onDetected={detected} onClose={close} />
    </Suspense>
  );
}
