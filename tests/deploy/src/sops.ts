/**
 * Checks of SOPS-encrypted Kubernetes Secrets (docs/deploy.md, "Secrets with SOPS") without their keys:
 * every value under `data`/`stringData` is a SOPS AES256_GCM envelope, the `sops:` metadata names the
 * age recipients, the MAC (encrypted) and the version, and the recipients are those `.sops.yaml`
 * assigns to the file's path. Flux's kustomize-controller decrypts such a Secret on apply and strips
 * `sops:`, so the rendered object is validated without it.
 */
import { isRecord, type KubeObject, loadYaml, objectId, repoPath } from './repo.js';

/** `ENC[AES256_GCM,data:<b64>,iv:<b64 of 32 bytes>,tag:<b64 of 16 bytes>,type:<type>]`, as sops writes it. */
export const sopsEnvelope =
  /^ENC\[AES256_GCM,data:[A-Za-z0-9+/]*={0,2},iv:[A-Za-z0-9+/]{43}=,tag:[A-Za-z0-9+/]{22}==,type:(str|int|float|bool|bytes)\]$/;
const ageRecipient = /^age1[02-9ac-hj-np-z]{58}$/;

export interface CreationRule {
  pathRegex: RegExp;
  encryptedRegex: string;
  recipients: string[];
  macOnlyEncrypted: boolean;
}

/** The creation rules of the repository's `.sops.yaml`. */
export function creationRules(): CreationRule[] {
  const config = loadYaml(repoPath('.sops.yaml'));
  const rules = isRecord(config) && Array.isArray(config.creation_rules) ? config.creation_rules : [];
  return rules.filter(isRecord).map((rule) => ({
    pathRegex: new RegExp(String(rule.path_regex)),
    encryptedRegex: String(rule.encrypted_regex),
    recipients: String(rule.age ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== ''),
    macOnlyEncrypted: rule.mac_only_encrypted === true,
  }));
}

/** The rule sops applies to a repository path: the first whose path_regex matches. */
export function ruleFor(path: string, rules = creationRules()): CreationRule | undefined {
  return rules.find((rule) => rule.pathRegex.test(path));
}

export function isSopsEncrypted(obj: KubeObject): boolean {
  return isRecord(obj.sops);
}

/** Problems with a Secret that should be SOPS-encrypted; `rule` is the one for its file. */
export function sopsProblems(obj: KubeObject, rule: CreationRule | undefined): string[] {
  const id = objectId(obj);
  if (obj.kind !== 'Secret') return [`${id}: not a Secret`];
  const sops = obj.sops;
  if (!isRecord(sops)) return [`${id}: no sops metadata (a plaintext Secret)`];
  if (!rule) return [`${id}: its file matches no .sops.yaml creation rule`];
  const problems: string[] = [];
  const values = ['data', 'stringData'].flatMap((field) =>
    Object.entries(isRecord(obj[field]) ? (obj[field] as Record<string, unknown>) : {}).map(
      ([key, value]) => [`${field}.${key}`, value] as const,
    ),
  );
  if (values.length === 0) problems.push(`${id}: no values`);
  for (const [key, value] of values)
    if (typeof value !== 'string' || !sopsEnvelope.test(value))
      problems.push(`${id}: ${key} is not encrypted`);
  const age = Array.isArray(sops.age) ? sops.age.filter(isRecord) : [];
  const recipients = age.map((entry) => String(entry.recipient));
  for (const entry of age) {
    if (!ageRecipient.test(String(entry.recipient)))
      problems.push(`${id}: bad age recipient ${String(entry.recipient)}`);
    if (
      !/^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+\n-----END AGE ENCRYPTED FILE-----\n?$/.test(
        String(entry.enc),
      )
    )
      problems.push(`${id}: the data key for ${String(entry.recipient)} is not an armored age file`);
  }
  if ([...recipients].sort().join() !== [...rule.recipients].sort().join())
    problems.push(
      `${id}: encrypted to ${recipients.join(', ')}, .sops.yaml says ${rule.recipients.join(', ')}`,
    );
  if (typeof sops.mac !== 'string' || !sopsEnvelope.test(sops.mac)) problems.push(`${id}: no encrypted MAC`);
  if (typeof sops.lastmodified !== 'string' || Number.isNaN(Date.parse(sops.lastmodified)))
    problems.push(`${id}: no lastmodified`);
  if (typeof sops.version !== 'string' || !/^3\.\d+\.\d+$/.test(sops.version))
    problems.push(`${id}: no sops 3 version`);
  if (sops.encrypted_regex !== rule.encryptedRegex)
    problems.push(
      `${id}: encrypted_regex ${String(sops.encrypted_regex)} is not the rule's ${rule.encryptedRegex}`,
    );
  if ((sops.mac_only_encrypted === true) !== rule.macOnlyEncrypted)
    problems.push(`${id}: mac_only_encrypted differs from the rule`);
  return problems;
}

/** Stands in for a decrypted `data:` value, which is base64 (what `kubectl create secret -o yaml` wrote). */
const decryptedDataPlaceholder = Buffer.from('decrypted by Flux').toString('base64');

/**
 * The object as Flux applies it once decrypted: without the `sops:` metadata, and with each encrypted
 * `data:` value replaced by a base64 stand-in (sops encrypts the base64 text kubectl wrote, so it
 * decrypts to base64; the value itself is unknown without the key). Plaintext values stay as they are.
 */
export function withoutSopsMetadata(obj: KubeObject): KubeObject {
  const { sops, ...rest } = obj;
  if (!isRecord(sops) || !isRecord(rest.data)) return rest as KubeObject;
  const data = Object.fromEntries(
    Object.entries(rest.data).map(([key, value]) => [
      key,
      typeof value === 'string' && sopsEnvelope.test(value) ? decryptedDataPlaceholder : value,
    ]),
  );
  return { ...rest, data } as KubeObject;
}
