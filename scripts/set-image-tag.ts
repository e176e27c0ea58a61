/**
 * Sets the tag of every CartWatch image (the services' and the web app's) in an overlay's
 * kustomization.yaml, and with a third argument the registry namespace they are pulled from
 * (`newName: <repository>/<name>`, lower-cased as registries require), keeping its comments and layout
 * (unlike `kustomize edit set image`). With `--digest <name>=sha256:<hex>` for every image, each is also
 * pinned to the digest the registry gave for that tag (`digest:`; kustomize renders `name:tag@digest`,
 * and the runtime pulls by digest, so a re-pushed tag cannot change what runs). Used by
 * .github/workflows/deploy.yml with the repository owner's namespace, the one images.yml pushes to, and
 * the digests `docker buildx imagetools inspect` read for the tag:
 *   tsx scripts/set-image-tag.ts k8s/overlays/prod sha-0123abc ghcr.io/<owner> \
 *     --digest gateway=sha256:<64 hex> --digest web=sha256:<64 hex> ...
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';

const imagePrefix = 'ghcr.io/cartwatch/';
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const positional: string[] = [];
const digests = new Map<string, string>();
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 1) {
  const arg = args[i] ?? '';
  if (arg !== '--digest') {
    positional.push(arg);
    continue;
  }
  const match = /^([a-z0-9-]+)=(sha256:[0-9a-f]{64})$/.exec(args[i + 1] ?? '');
  if (!match?.[1] || !match[2]) {
    console.error(`--digest needs <name>=sha256:<64 hex>, got ${args[i + 1] ?? 'nothing'}`);
    process.exit(2);
  }
  digests.set(match[1], match[2]);
  i += 1;
}
const [overlay, tag, repositoryArgument] = positional;
if (!overlay || !tag) {
  console.error(
    'usage: tsx scripts/set-image-tag.ts <overlay dir> <tag> [<registry>/<namespace>] [--digest <name>=sha256:<hex>]...',
  );
  process.exit(2);
}
const repository = repositoryArgument?.toLowerCase().replace(/\/+$/, '');
if (repository !== undefined && !/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+$/.test(repository)) {
  console.error(`not an image repository: ${repositoryArgument}`);
  process.exit(2);
}
if (!tagPattern.test(tag) || tag === 'latest') {
  console.error(`not a usable image tag: ${tag}`);
  process.exit(2);
}

// Prod runs what was verified, byte for byte: its images are only ever set together with their digests.
if (path.basename(path.resolve(overlay)) === 'prod' && digests.size === 0) {
  console.error('k8s/overlays/prod is deployed by digest: pass --digest <name>=sha256:<hex> for every image');
  process.exit(2);
}

const file = path.join(overlay, 'kustomization.yaml');
const doc = parseDocument(readFileSync(file, 'utf8'));
const images = doc.get('images');
if (!isSeq(images)) {
  console.error(`${file} has no images list`);
  process.exit(1);
}
const pinning = digests.size > 0;
let updated = 0;
for (const item of images.items) {
  if (!isMap(item)) continue;
  const name = item.get('name');
  if (typeof name === 'string' && name.startsWith(imagePrefix)) {
    const short = name.slice(imagePrefix.length);
    if (repository !== undefined) item.set('newName', `${repository}/${short}`);
    item.set('newTag', tag);
    if (pinning) {
      const digest = digests.get(short);
      if (!digest) {
        console.error(`no --digest for ${short}: pin every image or none`);
        process.exit(2);
      }
      item.set('digest', digest);
      digests.delete(short);
    } else item.delete('digest');
    updated += 1;
  }
}
if (digests.size > 0) {
  console.error(`--digest for images the overlay does not have: ${[...digests.keys()].join(', ')}`);
  process.exit(2);
}
if (updated === 0) {
  console.error(`${file} lists no ${imagePrefix}* images`);
  process.exit(1);
}
writeFileSync(file, doc.toString());
console.log(`${file}: ${updated} images -> ${repository ?? imagePrefix.slice(0, -1)}/*:${tag}`);
