/**
 * The JetStream stream every service creates on start (docs/deploy.md, "The event stream"): its replicas,
 * size and age limits as the rendered overlays configure them, agreed by every service (each start
 * updates the stream to its own settings), within what the NATS cluster of the infrastructure layer has.
 */
import { serviceNames } from '@cartwatch/common-types';
import { describe, expect, it } from 'vitest';
import { documentedDefaults, effectiveSetting, quantityBytes } from '../src/body-limits.js';
import { containerEnvironment } from '../src/environment.js';
import { renderKustomization } from '../src/kustomize.js';
import { findObject, isRecord, type KubeObject, readText, repoPath } from '../src/repo.js';

const rec = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});
const defaults = documentedDefaults(readText(repoPath('docs/configuration.md')));
const streamVariables = ['EVENTS_STREAM_REPLICAS', 'EVENTS_STREAM_MAX_BYTES', 'EVENTS_STREAM_MAX_AGE_MS'];

describe.each(['dev', 'prod'])('the event stream of overlay %s', (overlay) => {
  // The NATS servers of the same environment's infrastructure layer.
  const infrastructure = renderKustomization(repoPath(`k8s/infrastructure/${overlay}/configs`)).objects;
  const natsValues = rec(
    rec(infrastructure.find((o) => o.kind === 'HelmRelease' && o.metadata.name === 'nats')?.spec).values,
  );
  const natsServers = Number(rec(rec(natsValues.config).cluster).replicas);
  const fileStoreBytes = quantityBytes(
    String(rec(rec(rec(rec(natsValues.config).jetstream).fileStore).pvc).size),
  );
  const objects = renderKustomization(repoPath(`k8s/overlays/${overlay}`)).objects;
  const deployment = (name: string): KubeObject => findObject(objects, 'Deployment', name);
  const settings = serviceNames.map((name) => {
    const env = containerEnvironment(deployment(name), name, objects, () => 'placeholder');
    return Object.fromEntries(
      streamVariables.map((variable) => [variable, Number(effectiveSetting(defaults, name, variable, env))]),
    );
  });
  const [first] = settings;

  it('is configured alike by every service (each start applies its own settings to the stream)', () => {
    for (const [index, own] of settings.entries()) expect(own, serviceNames[index]).toEqual(first);
  });

  it('has a size and an age limit, the size within one NATS server’s file store', () => {
    expect(first?.EVENTS_STREAM_MAX_AGE_MS).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(first?.EVENTS_STREAM_MAX_BYTES).toBeGreaterThan(0);
    expect(fileStoreBytes).toBeGreaterThan(0);
    // Each replica lives whole on its own server, so the limit must fit one server's store with room.
    expect(first?.EVENTS_STREAM_MAX_BYTES).toBeLessThanOrEqual(fileStoreBytes * 0.8);
  });

  it(`keeps ${overlay === 'prod' ? 'three replicas' : 'at most as many replicas as NATS servers'}`, () => {
    expect(natsServers).toBe(overlay === 'prod' ? 3 : 1);
    if (overlay === 'prod') expect(first?.EVENTS_STREAM_REPLICAS).toBe(3);
    expect(first?.EVENTS_STREAM_REPLICAS).toBeLessThanOrEqual(natsServers);
  });
});

describe('quantityBytes', () => {
  it('reads binary and decimal quantities and refuses others', () => {
    expect(quantityBytes('10Gi')).toBe(10 * 2 ** 30);
    expect(quantityBytes('1G')).toBe(1e9);
    expect(() => quantityBytes('10GB')).toThrow(/not a byte quantity/);
  });
});
