/**
 * Admin devices (cart-device): a location's smart carts, registering one, rotating its key and revoking
 * it. A key is in the API's answer once (only its hash is stored), so the screen shows it once, with a
 * copy button, and forgets it when the admin moves on.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { unwrap } from '../../api/errors';
import type { components } from '../../api/schema';
import { useApi } from '../../app-context';
import { Field, FormError, Page } from '../../components/ui';
import { formatDateTime } from '../../format';
import {
  issueAt,
  LocationPicker,
  OneTimeSecret,
  PagedItems,
  SelectField,
  useLocationParam,
  usePages,
} from './admin-ui';

type Device = components['schemas']['Device'];

interface ShownKey {
  title: string;
  key: string;
  note?: string;
}

/** How long earlier keys keep working after a rotation; empty = the server's default grace period. */
const graceChoices = [
  { value: '', label: 'The default grace period' },
  { value: '0', label: 'Stop at once' },
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '1 day' },
] as const;

export function deviceStatus(device: Device): string {
  if (device.revokedAt) return `Revoked ${formatDateTime(device.revokedAt)}`;
  if (device.pairedUserId) return 'In use by a shopper';
  if (!device.lastSeenAt) return 'Never connected';
  return 'Active';
}

function RegisterDeviceForm({
  locationId,
  onRegistered,
}: {
  locationId: string;
  onRegistered: (shown: ShownKey) => void;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const register = useMutation({
    mutationFn: async () => unwrap(await api.POST('/devices', { body: { locationId, name: name.trim() } })),
    onSuccess: (registered) => {
      setName('');
      onRegistered({ title: `Key for ${registered.device.name}`, key: registered.key.key });
      void queryClient.invalidateQueries({ queryKey: ['devices', locationId] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    register.mutate();
  };
  return (
    <form onSubmit={submit} className="inline-form" noValidate>
      <Field
        label="New cart name"
        hint='What staff call it, e.g. "Cart 17".'
        maxLength={100}
        value={name}
        onChange={(event) => setName(event.target.value)}
        error={issueAt(register.error, 'name')}
      />
      <button type="submit" disabled={register.isPending}>
        Register cart
      </button>
      <FormError error={register.error} fieldPaths={['name']} />
    </form>
  );
}

function DeviceActions({ device, onRotated }: { device: Device; onRotated: (shown: ShownKey) => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [grace, setGrace] = useState('');
  const [step, setStep] = useState<'idle' | 'rotate' | 'revoke'>('idle');
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['devices', device.locationId] });
  const rotate = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/devices/{id}/rotate-key', {
          params: { path: { id: device.id } },
          body: grace ? { graceSeconds: Number(grace) } : {},
        }),
      ),
    onSuccess: (rotated) => {
      setStep('idle');
      onRotated({
        title: `New key for ${device.name}`,
        key: rotated.key.key,
        note: `Earlier keys of this cart stop working ${formatDateTime(rotated.previousKeysExpireAt)}.`,
      });
      refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/devices/{id}/revoke', { params: { path: { id: device.id } } })),
    onSuccess: () => {
      setStep('idle');
      refresh();
    },
  });
  if (device.revokedAt) return <span className="muted">–</span>;
  return (
    <div className="actions">
      {step === 'idle' && (
        <>
          <button type="button" className="secondary" onClick={() => setStep('rotate')}>
            Rotate key<span className="sr-only"> of {device.name}</span>
          </button>{' '}
          <button type="button" className="secondary" onClick={() => setStep('revoke')}>
            Revoke<span className="sr-only"> {device.name}</span>
          </button>
        </>
      )}
      {step === 'rotate' && (
        <>
          <SelectField
            label={`Old key of ${device.name} keeps working for`}
            value={grace}
            onChange={(event) => setGrace(event.target.value)}
          >
            {graceChoices.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </SelectField>
          <button type="button" disabled={rotate.isPending} onClick={() => rotate.mutate()}>
            Issue new key<span className="sr-only"> for {device.name}</span>
          </button>{' '}
          <button type="button" className="secondary" onClick={() => setStep('idle')}>
            Cancel
          </button>
        </>
      )}
      {step === 'revoke' && (
        <>
          <span>{device.name} stops working at once and its shopper is unpaired. </span>
          <button type="button" disabled={revoke.isPending} onClick={() => revoke.mutate()}>
            Yes, revoke<span className="sr-only"> {device.name}</span>
          </button>{' '}
          <button type="button" className="secondary" onClick={() => setStep('idle')}>
            Cancel
          </button>
        </>
      )}
      <FormError error={rotate.error ?? revoke.error} />
    </div>
  );
}

function LocationDevices({ locationId }: { locationId: string }) {
  const api = useApi();
  const [shown, setShown] = useState<ShownKey>();
  const devices = usePages(['devices', locationId], async (cursor) =>
    unwrap(
      await api.GET('/devices', {
        params: { query: { location: locationId, limit: 100, ...(cursor ? { cursor } : {}) } },
      }),
    ),
  );
  return (
    <>
      <RegisterDeviceForm locationId={locationId} onRegistered={setShown} />
      {shown && (
        <OneTimeSecret title={shown.title} secret={shown.key}>
          {shown.note && <p>{shown.note}</p>}
          <p>
            <button type="button" className="link" onClick={() => setShown(undefined)}>
              I have stored the key: hide it
            </button>
          </p>
        </OneTimeSecret>
      )}
      <h2>Carts</h2>
      <PagedItems query={devices}>
        {(items) => (
          <div className="table-scroll">
            <table>
              <caption className="sr-only">Carts at this location</caption>
              <thead>
                <tr>
                  <th scope="col">Cart</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">Firmware</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((device) => (
                  <tr key={device.id}>
                    <td>{device.name}</td>
                    <td data-testid="device-status">{deviceStatus(device)}</td>
                    <td>{device.lastSeenAt ? formatDateTime(device.lastSeenAt) : '–'}</td>
                    <td>{device.firmwareVersion ?? '–'}</td>
                    <td>
                      <DeviceActions device={device} onRotated={setShown} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </PagedItems>
    </>
  );
}

export function AdminDevicesScreen() {
  const [locationId, setLocationId] = useLocationParam();
  return (
    <Page title="Devices (admin)">
      <div className="form">
        <LocationPicker value={locationId} onChange={setLocationId} />
      </div>
      {locationId ? (
        <LocationDevices key={locationId} locationId={locationId} />
      ) : (
        <p className="muted">Choose a store location to manage its carts.</p>
      )}
    </Page>
  );
}
