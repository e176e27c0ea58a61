/**
 * Secrets with SOPS (docs/deploy.md, "Secrets with SOPS"): every Secret the rendered apps and cluster
 * configuration of an environment reference (except those an operator creates: the CloudNativePG CA,
 * cert-manager's certificate and ACME account key) is provided in that environment by a SOPS-encrypted
 * file, with every key that is referenced, encrypted to the environment's own age key from .sops.yaml,
 * in a layer applied no later than its users and decrypted by Flux.
 */
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderKustomization } from '../src/kustomize.js';
import { isRecord, type KubeObject, loadYamlDocuments, repoPath, repoRoot } from '../src/repo.js';
import { creationRules, ruleFor, sopsProblems } from '../src/sops.js';
import { validateObject } from '../src/validate-objects.js';

const envs = ['dev', 'prod'];
const rec = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});
// Created in the cluster by operators, never committed: CloudNativePG's CA for the database
// certificates, cert-manager's certificate for the Ingress and its ACME account key.
const createdByOperators = new Set(['cartwatch-db-ca', 'cartwatch-tls', 'letsencrypt-account-key']);

/** Secret name -> the keys referenced (empty set: the whole Secret, e.g. a volume). */
function referencedSecrets(objects: KubeObject[]): Map<string, Set<string>> {
  const refs = new Map<string, Set<string>>();
  const add = (name: string, key?: string) => {
    const keys = refs.get(name) ?? new Set<string>();
    if (key) keys.add(key);
    refs.set(name, keys);
  };
  const walk = (value: unknown, parentKey: string): void => {
    if (Array.isArray(value)) for (const item of value) walk(item, parentKey);
    else if (isRecord(value)) {
      if (typeof value.secretName === 'string') add(value.secretName);
      if (
        ['secretKeyRef', 'accessKeyId', 'secretAccessKey'].includes(parentKey) &&
        typeof value.name === 'string'
      ) {
        // An optional key may be missing; the Secret itself is still needed.
        add(value.name, value.optional === true ? undefined : String(value.key));
      }
      if (parentKey === 'passwordSecret' && typeof value.name === 'string') {
        add(value.name, 'username');
        add(value.name, 'password');
      }
      if (parentKey === 'secretRef' && typeof value.name === 'string') add(value.name);
      if (parentKey === 'privateKeySecretRef' && typeof value.name === 'string') add(value.name);
      for (const [key, child] of Object.entries(value)) walk(child, key);
    }
  };
  for (const obj of objects) if (obj.kind !== 'Kustomization' && obj.kind !== 'GitRepository') walk(obj, '');
  return refs;
}

/** The SOPS files a render read, with the Secret each holds. */
function sopsFiles(files: string[]): { file: string; secret: KubeObject }[] {
  return files
    .filter((file) => file.endsWith('.sops.yaml'))
    .flatMap((file) => loadYamlDocuments(repoPath(file)).map((doc) => ({ file, secret: doc as KubeObject })));
}

describe('.sops.yaml', () => {
  const rules = creationRules();

  it('encrypts only the values of Secrets, to one age key per environment, each its own', () => {
    expect(rules).toHaveLength(envs.length);
    for (const env of envs) {
      const rule = ruleFor(`k8s/overlays/${env}/secrets/x.sops.yaml`, rules);
      expect(rule, env).toBeDefined();
      expect(ruleFor(`k8s/infrastructure/${env}/configs/secrets/x.sops.yaml`, rules)).toBe(rule);
      expect(rule?.encryptedRegex).toBe('^(data|stringData)$');
      expect(rule?.macOnlyEncrypted).toBe(true);
      expect(rule?.recipients).toHaveLength(1);
    }
    const [dev, prod] = envs.map((env) => ruleFor(`k8s/overlays/${env}/secrets/x.sops.yaml`, rules));
    expect(dev?.recipients).not.toEqual(prod?.recipients);
    expect(ruleFor('k8s/base/x.sops.yaml', rules)).toBeUndefined();
  });
});

describe.each(envs)('Secrets of %s', (env) => {
  const configs = renderKustomization(repoPath(`k8s/infrastructure/${env}/configs`));
  const apps = renderKustomization(repoPath(`k8s/overlays/${env}`));
  const cluster = renderKustomization(repoPath(`k8s/clusters/${env}`)).objects;
  const configFiles = sopsFiles(configs.files);
  const appFiles = sopsFiles(apps.files);

  it('encrypts every Secret committed for it with SOPS to its own key, in its own directories', () => {
    const all = [...configFiles, ...appFiles];
    expect(all.length).toBeGreaterThan(0);
    for (const { file, secret } of all) {
      expect(
        file.startsWith(`k8s/infrastructure/${env}/`) || file.startsWith(`k8s/overlays/${env}/`),
        file,
      ).toBe(true);
      expect(sopsProblems(secret, ruleFor(file)), file).toEqual([]);
      // Flux applies it as is: the namespace is stated, so kustomize leaves the authenticated file alone.
      expect(secret.metadata.namespace, file).toBe('cartwatch');
    }
    // And no Secret is rendered from anywhere else (a plaintext one in a base, say).
    for (const { objects, files } of [configs, apps]) {
      const rendered = objects
        .filter((o) => o.kind === 'Secret')
        .map((o) => o.metadata.name)
        .sort();
      expect(rendered).toEqual(
        sopsFiles(files)
          .map((f) => f.secret.metadata.name)
          .sort(),
      );
    }
  });

  it.each([
    ['cluster configuration', 'configs'],
    ['apps', 'apps'],
  ])(
    'provides every Secret the %s reference, with every key they read, no later than they are applied',
    (_, layer) => {
      const objects = layer === 'configs' ? configs.objects : apps.objects;
      // The apps are applied after the configs (dependsOn), so they may use the configs' Secrets.
      const available = layer === 'configs' ? configFiles : [...configFiles, ...appFiles];
      const referenced = referencedSecrets(objects);
      expect(referenced.size).toBeGreaterThan(layer === 'configs' ? 7 : 10);
      for (const [name, keys] of referenced) {
        if (createdByOperators.has(name)) continue;
        const provided = available.filter((f) => f.secret.metadata.name === name);
        expect(
          provided.map((f) => f.file),
          name,
        ).toHaveLength(1);
        const secret = provided[0]?.secret;
        const present = new Set([...Object.keys(rec(secret?.stringData)), ...Object.keys(rec(secret?.data))]);
        for (const key of keys) expect(present, `${name}: ${key}`).toContain(key);
      }
    },
  );

  it('gives the database roles basic-auth Secrets named for their role', () => {
    for (const { secret } of configFiles.filter((f) =>
      /^cartwatch-db-(?!backup$)/.test(f.secret.metadata.name),
    ))
      expect(secret.type, secret.metadata.name).toBe('kubernetes.io/basic-auth');
  });

  it('has Flux decrypt the layers that carry Secrets, with the age key in the Secret sops-age', () => {
    const kustomization = (name: string) =>
      cluster.find((o) => o.kind === 'Kustomization' && o.metadata.name === name);
    for (const [name, files] of [
      ['infra-configs', configFiles],
      ['apps', appFiles],
    ] as const) {
      expect(files.length, name).toBeGreaterThan(0);
      expect(rec(kustomization(name)?.spec).decryption, name).toEqual({
        provider: 'sops',
        secretRef: { name: 'sops-age' },
      });
    }
    // The operators' layer carries no Secret, so it needs no key.
    const controllers = renderKustomization(repoPath(`k8s/infrastructure/${env}/controllers`));
    expect(controllers.objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });
});

describe('the SOPS checks', () => {
  const first = sopsFiles(renderKustomization(repoPath('k8s/overlays/dev')).files)[0];
  if (!first) throw new Error('k8s/overlays/dev renders no SOPS file');
  const { file, secret } = first;
  const rule = ruleFor(file);

  it('refuse a plaintext value, a foreign recipient, a missing MAC and a file outside every rule', () => {
    expect(relative(repoRoot, repoPath(file))).toBe(file);
    const first = Object.keys(rec(secret.stringData))[0] ?? '';
    const plain = { ...secret, stringData: { ...rec(secret.stringData), [first]: 'plain' } };
    expect(sopsProblems(plain, rule)).toEqual([
      `Secret/${secret.metadata.name}: stringData.${first} is not encrypted`,
    ]);
    const prodRule = ruleFor('k8s/overlays/prod/secrets/x.sops.yaml');
    expect(sopsProblems(secret, prodRule).join()).toMatch(/\.sops\.yaml says/);
    const noMac = { ...secret, sops: { ...rec(secret.sops), mac: undefined } };
    expect(sopsProblems(noMac, rule)).toEqual([`Secret/${secret.metadata.name}: no encrypted MAC`]);
    expect(sopsProblems(secret, undefined).join()).toMatch(/matches no \.sops\.yaml creation rule/);
    const { sops: _sops, ...plaintext } = secret;
    expect(sopsProblems(plaintext as KubeObject, rule).join()).toMatch(/no sops metadata/);
  });

  it('accept a Secret sealed from `kubectl create secret --dry-run=client -o yaml` (encrypted `data:`)', () => {
    // kubectl writes base64 under `data:` and sops encrypts those values as they are; Flux decrypts
    // them back to base64. The walkthrough seals exactly that (docs/deploy.md, "Secrets with SOPS").
    const { stringData, ...rest } = secret;
    // As kubectl prints it: values under `data`, and `creationTimestamp: null` in the metadata.
    const fromKubectl = {
      ...rest,
      metadata: { ...rest.metadata, creationTimestamp: null },
      data: stringData,
    } as unknown as KubeObject;
    expect(Object.keys(rec(fromKubectl.data)).length).toBeGreaterThan(0);
    expect(sopsProblems(fromKubectl, rule)).toEqual([]);
    expect(validateObject(fromKubectl)).toEqual([]);
    // A plaintext `data:` value is still held to base64 (and refused as not encrypted).
    const key = Object.keys(rec(fromKubectl.data))[0] ?? '';
    const plain = { ...fromKubectl, data: { ...rec(fromKubectl.data), [key]: 'not base64!' } } as KubeObject;
    expect(validateObject(plain).join()).toMatch(/byte/);
    expect(sopsProblems(plain, rule)).toEqual([
      `Secret/${secret.metadata.name}: data.${key} is not encrypted`,
    ]);
  });
});
