/**
 * The camera barcode scanner (lazy-loaded by ScanBarcode): the rear camera's preview, a frame decoded
 * every few hundred milliseconds until a valid GTIN is read, and a photo as the fallback when there is
 * no camera or it was refused. The camera is released as soon as a code is read or the scanner closes.
 */
import { type ChangeEvent, useEffect, useId, useRef, useState } from 'react';
import { createDecoder, type Decode } from './decode';

const FRAME_INTERVAL_MS = 250;
const MAX_FRAME_WIDTH = 1280;

type Status =
  | { kind: 'starting' }
  | { kind: 'scanning' }
  | { kind: 'no-camera'; message: string }
  | { kind: 'photo-without-code' };

function cameraProblem(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return 'Camera access was refused. Allow it in the browser’s settings, or choose a photo of the barcode.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError')
    return 'No camera was found. Choose a photo of the barcode instead.';
  return 'The camera could not be started. Choose a photo of the barcode instead.';
}

export default function BarcodeScanner({
  onDetected,
  onClose,
}: {
  onDetected: (gtin: string) => void;
  onClose: () => void;
}) {
  const headingId = useId();
  const video = useRef<HTMLVideoElement>(null);
  const decoder = useRef<Promise<Decode> | null>(null);
  const [status, setStatus] = useState<Status>({ kind: 'starting' });
  decoder.current ??= createDecoder();

  useEffect(() => {
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d', { willReadFrequently: true });
    const stop = () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
    const scanFrame = async () => {
      const element = video.current;
      if (stopped || !element || !context) return;
      if (element.readyState >= element.HAVE_CURRENT_DATA && element.videoWidth > 0) {
        const scale = Math.min(1, MAX_FRAME_WIDTH / element.videoWidth);
        canvas.width = Math.round(element.videoWidth * scale);
        canvas.height = Math.round(element.videoHeight * scale);
        context.drawImage(element, 0, 0, canvas.width, canvas.height);
        const decode = await (decoder.current as Promise<Decode>);
        const gtin = await decode(context.getImageData(0, 0, canvas.width, canvas.height)).catch(() => null);
        if (stopped) return;
        if (gtin) {
          stop();
          onDetected(gtin);
          return;
        }
      }
      timer = setTimeout(() => void scanFrame(), FRAME_INTERVAL_MS);
    };
    void (async () => {
      if (!navigator.mediaDevices?.getUserMedia) {
        setStatus({
          kind: 'no-camera',
          message: 'This browser cannot use a camera here. Choose a photo instead.',
        });
        return;
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 } },
          audio: false,
        });
      } catch (error) {
        if (!stopped) setStatus({ kind: 'no-camera', message: cameraProblem(error) });
        return;
      }
      if (stopped || !video.current) {
        stop();
        return;
      }
      video.current.srcObject = stream;
      await video.current.play().catch(() => {});
      setStatus({ kind: 'scanning' });
      void scanFrame();
    })();
    return stop;
  }, [onDetected]);

  const fromPhoto = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return;
    const decode = await (decoder.current as Promise<Decode>);
    const gtin = await decode(file).catch(() => null);
    if (gtin) onDetected(gtin);
    else setStatus({ kind: 'photo-without-code' });
  };

  return (
    <section className="card stack scanner" aria-labelledby={headingId}>
      <h2 id={headingId}>Scan a barcode</h2>
      <p role="status" data-testid="scanner-status">
        {status.kind === 'starting' && 'Starting the camera…'}
        {status.kind === 'scanning' && 'Hold the barcode steady in the frame.'}
        {status.kind === 'no-camera' && status.message}
        {status.kind === 'photo-without-code' &&
          'No barcode was found in that photo. Try a sharper photo, closer to the barcode.'}
      </p>
      {status.kind !== 'no-camera' && (
        <video ref={video} className="scanner-preview" muted playsInline aria-label="Camera preview" />
      )}
      <div className="field">
        <label htmlFor={`${headingId}-photo`}>Or choose a photo of the barcode</label>
        <input
          id={`${headingId}-photo`}
          type="file"
          accept="image/*"
          capture="environment"
          onChange={(event) => void fromPhoto(event)}
        />
      </div>
      <button type="button" className="secondary" onClick={onClose}>
        Close the scanner
      </button>
    </section>
  );
}
