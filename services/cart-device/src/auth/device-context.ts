/** The authenticated device of a `/device/*` request, set by the device-auth middleware. */
import type { IncomingMessage } from 'node:http';
import { AppError } from '@cartwatch/service-kit';

export interface CurrentDevice {
  id: string;
  keyId: string;
  locationId: string;
}

const devices = new WeakMap<IncomingMessage, CurrentDevice>();

export function setCurrentDevice(req: IncomingMessage, device: CurrentDevice): void {
  devices.set(req, device);
}

export function currentDevice(req: IncomingMessage): CurrentDevice {
  const device = devices.get(req);
  if (device === undefined) throw AppError.unauthenticated('device key required');
  return device;
}
