/**
 * Fails when code or docs cite documentation that is not in this repository: a repository path to a
 * markdown file (`docs/architecture.md#outbox`) that does not exist or whose `#anchor` names no heading,
 * a relative markdown link (`[x](events.md#consumers)`) that does not resolve, a bare markdown file
 * name that no file of the repository has (a document kept outside it), or the numbered sections
 * of the old out-of-repository contract. docs/architecture.md is the architecture's single home; code
 * comments cite its sections. The test command runs this script.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Files whose text is checked (tracked and new, not ignored); generated and vendored files are not. */
const checkedExtensions = /\.(ts|tsx|js|mjs|cjs|md|ya?ml|sh|json)$|(^|\/)Dockerfile$/;
const skipped = /(^|\/)(node_modules|dist|\.data)\/|(^|\/)pnpm-lock\.yaml$/;

/** The retired contract's section numbers, e.g. "ARCHITECTURE" + " §4" (spelled apart so this file passes). */
const retiredContract = new RegExp(`ARCHITECTURE(\\.md)?\`?\\s*${'§'}|${'ARCHITECTURE'}\\.md`);
const topLevelDirs = '(?:docs|packages|services|tests|infra|k8s|bench|scripts|demo)';
/** A repository path to a markdown file, optionally with an anchor, not part of a longer path or URL. */
const repoPathCitation = new RegExp(`(?<![\\w./-])(${topLevelDirs}/[\\w./-]*?\\.md)(#[\\w-]+)?`, 'g');
/** A bare markdown file name (`<name>.md`), which must name some file of the repository. */
const bareMarkdownName = /(?<![\w./-])([\w-]+\.md)\b/g;
/** A relative markdown link target: `](<file>.md)` or `](<file>.md#anchor)` or `](#anchor)`. */
const markdownLink = /\]\(([^()\s:#]*)(#[^()\s]*)?\)/g;

const anchorCache = new Map<string, Set<string>>();

/**
 * GitHub's heading anchors (lower case, punctuation dropped, spaces to hyphens, repeats numbered) and
 * explicit `<a id>` anchors.
 */
function anchorsOf(file: string): Set<string> {
  const cached = anchorCache.get(file);
  if (cached) return cached;
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    for (const html of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) if (html[1]) anchors.add(html[1]);
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading?.[1]) continue;
    const slug = heading[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  anchorCache.set(file, anchors);
  return anchors;
}

function checkTarget(target: string, anchor: string | undefined): string | null {
  if (!existsSync(target)) return 'no such file';
  if (!anchor || anchor === '#') return null;
  if (statSync(target).isDirectory() || !target.endsWith('.md')) return null;
  return anchorsOf(target).has(decodeURIComponent(anchor.slice(1)).toLowerCase()) ? null : 'no such heading';
}

function findBrokenCitations(root: string, files: readonly string[]): string[] {
  const problems: string[] = [];
  const markdownNames = new Set(
    files.filter((file) => file.endsWith('.md')).map((file) => path.basename(file)),
  );
  for (const file of files) {
    const text = readFileSync(path.join(root, file), 'utf8');
    text.split('\n').forEach((line, index) => {
      const where = `${file}:${index + 1}`;
      if (retiredContract.test(line)) {
        problems.push(
          `${where}: cites the retired ARCHITECTURE contract; cite docs/architecture.md#<section>`,
        );
      }
      for (const match of line.matchAll(repoPathCitation)) {
        const [citation, target = '', anchor] = match;
        const problem = checkTarget(path.join(root, target), anchor);
        if (problem) problems.push(`${where}: ${citation}: ${problem}`);
      }
      for (const match of line.matchAll(bareMarkdownName)) {
        if (!markdownNames.has(match[1] ?? ''))
          problems.push(`${where}: ${match[1]}: no such file in the repository`);
      }
      if (!file.endsWith('.md')) return;
      for (const match of line.matchAll(markdownLink)) {
        const [link, target = '', anchor] = match;
        if (target === '' && !anchor) continue;
        const resolved = target === '' ? path.join(root, file) : path.join(root, path.dirname(file), target);
        const problem = checkTarget(resolved, anchor);
        if (problem) problems.push(`${where}: ${link}: ${problem}`);
      }
    });
  }
  return problems;
}

function repositoryFiles(root: string): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  return listed
    .split('\n')
    .filter((file) => file && checkedExtensions.test(file) && !skipped.test(file))
    .filter((file) => existsSync(path.join(root, file)));
}

const problems = findBrokenCitations(repoRoot, repositoryFiles(repoRoot));
if (problems.length > 0) {
  console.error(`Documentation citations that do not resolve (${problems.length}):\n${problems.join('\n')}`);
  process.exit(1);
}
