/**
 * Test doubles for URL checks that never dial anything but loopback: a resolver answering from a fixed
 * table, and a connector that records every target and refuses any non-loopback address.
 */
import { isLoopbackAddress } from '@cartwatch/service-kit';
import {
  type Connector,
  type ConnectTarget,
  directConnector,
  type Resolver,
} from '@cartwatch/service-kit/safe-http';

export function tableResolver(names: Record<string, string[]>): Resolver {
  return async (hostname) => {
    const addresses = names[hostname];
    if (!addresses) throw new Error(`unknown test host ${hostname}`);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/** Pushes every target onto `dialed` (empty it between tests), connects to loopback only. */
export function recordingConnector(dialed: ConnectTarget[]): Connector {
  return async (target) => {
    dialed.push(target);
    if (!isLoopbackAddress(target.address)) throw new Error(`test connector refuses ${target.address}`);
    return directConnector(target);
  };
}
