/**
 * Sets the tag of every CartWatch image (the services' and the web app's) in an overlay's
 * kustomization.yaml, and with a third argument the registry namespace they are pulled from
 * (`newName: <repository>/<name>`, lower-cased as registries require), keeping its comments and layout
 * (unlike `kustomize edit set image`). Used by .github/workflows/deploy.yml with the repository owner's
 * namespace, the one images.yml pushes to:
 *   tsx scripts/set-image-tag.ts k8s/overlays/dev sha-0123abc ghcr.io/<owner>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';

const imagePrefix = 'ghcr.io/cartwatch/';
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const [overlay, tag, repositoryArgument] = process.argv.slice(2);
if (!overlay || !tag) {
  console.error('usage: tsx scripts/set-image-tag.ts <overlay dir> <tag> [<registry>/<namespace>]');
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

const file = path.join(overlay, 'kustomization.yaml');
const doc = parseDocument(readFileSync(file, 'utf8'));
const images = doc.get('images');
if (!isSeq(images)) {
  console.error(`${file} has no images list`);
  process.exit(1);
}
let updated = 0;
for (const item of images.items) {
  if (!isMap(item)) continue;
  const name = item.get('name');
  if (typeof name === 'string' && name.startsWith(imagePrefix)) {
    if (repository !== undefined) item.set('newName', `${repository}/${name.slice(imagePrefix.length)}`);
    item.set('newTag', tag);
    updated += 1;
  }
}
if (updated === 0) {
  console.error(`${file} lists no ${imagePrefix}* images`);
  process.exit(1);
}
writeFileSync(file, doc.toString());
console.log(`${file}: ${updated} images -> ${repository ?? imagePrefix.slice(0, -1)}/*:${tag}`);
