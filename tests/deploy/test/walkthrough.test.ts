/**
 * The operator's walkthrough (docs/deploy.md, "From an empty cluster to a running CartWatch" and
 * "Secrets with SOPS") as commands: what its shell blocks would do to the clone and the cluster when
 * pasted in order. Defects an operator hit following it (issue 19's review) are held here.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readText, repoPath } from '../src/repo.js';

const deployDoc = readText(repoPath('docs/deploy.md'));
const restoreRunbook = readText(repoPath('docs/runbooks/postgres-restore.md'));

/** A shell line without its comment: a `#` at a word's start outside quotes starts one. */
function withoutComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) return line.slice(0, i);
  }
  return line;
}

/** The shell commands of a document's `sh` blocks, continuation lines joined, comments dropped. */
function shellCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^ *```sh\n([\s\S]*?)^ *```$/gm)].map((m) => m[1] ?? '');
  return blocks.flatMap((block) =>
    block
      .replace(/\s*\\\n\s*/g, ' ')
      .split('\n')
      .map((line) => withoutComment(line).trim())
      .filter((line) => line !== ''),
  );
}

/** Inline commands of the prose (`...`) as well: operators paste those too. */
const inlineCommands = (markdown: string) =>
  [...markdown.matchAll(/`([^`\n]*(?:kubectl|flux|pnpm|git|age-keygen)[^`\n]*)`/g)].map((m) => m[1] ?? '');

const commands = shellCommands(deployDoc);
const everyCommand = [...commands, ...inlineCommands(deployDoc)];

describe('the walkthrough', () => {
  it('finds the walkthrough’s commands', () => {
    expect(commands.some((c) => c.startsWith('flux bootstrap github'))).toBe(true);
    expect(commands.some((c) => c.startsWith('seal()') || c.startsWith('seal() {'))).toBe(true);
  });

  it('never writes an age key inside the clone, and git ignores one put there', () => {
    const keygens = everyCommand.filter((c) => /age-keygen\s+-o/.test(c));
    expect(keygens.length).toBeGreaterThan(0);
    for (const command of keygens) {
      const target = /age-keygen\s+-o\s+("?)([^"\s)]+)\1/.exec(command)?.[2] ?? '';
      expect(target, command).toMatch(/^(\$HOME|~)\//);
    }
    // Every other mention of the environment's key file (the key inside the Secret is `age.agekey`).
    for (const command of everyCommand.filter((c) => /\.agekey/.test(c) && !/age-keygen\s+-o/.test(c)))
      for (const path of command.match(/[^\s="'(]*age-[^\s="'(]*\.agekey/g) ?? [])
        expect(path, command).toMatch(/^(\$HOME|~)\//);
    const ignored = readText(repoPath('.gitignore'))
      .split('\n')
      .map((l) => l.trim());
    expect(ignored).toContain('*.agekey');
  });

  it('stages only what it means to commit (never `git add -A` or `git add .`)', () => {
    const adds = everyCommand.filter((c) => /\bgit add\b/.test(c));
    expect(adds.length).toBeGreaterThan(0);
    for (const command of adds) expect(command, command).not.toMatch(/git add (-A|--all|\.(\s|$))/);
  });

  it('runs the deploy checks through turbo, which builds what they import on a fresh clone', () => {
    const runs = everyCommand.filter((c) => /deploy-tests/.test(c));
    expect(runs.length).toBeGreaterThan(0);
    for (const command of runs.filter((c) => !/^pnpm --filter @cartwatch\/deploy-tests test$/.test(c)))
      expect(command).toMatch(/pnpm turbo run test --filter=@cartwatch\/deploy-tests/);
    // The only mention of the bare form is the warning against it.
    expect(commands).not.toContain('pnpm --filter @cartwatch/deploy-tests test');
  });

  it('creates the sops-age Secret only after flux bootstrap created flux-system', () => {
    const bootstrap = commands.findIndex((c) => c.startsWith('flux bootstrap github'));
    const sopsAge = commands
      .map((c, i) => [c, i] as const)
      .filter(([c]) => /create secret generic sops-age/.test(c));
    // Once, right after the bootstrap (the Secrets section's block runs in step 4, before it).
    expect(sopsAge.map(([, index]) => index)).toEqual([bootstrap + 1]);
  });

  it('puts the public key into .sops.yaml with a command that changes exactly that environment’s rule', () => {
    const edit = commands.find((c) => /^sed -i .*age-keygen -y .*\.sops\.yaml$/.test(c));
    expect(edit).toBeDefined();
    const recipient = `age1${'q'.repeat(58)}`;
    const original = parse(readText(repoPath('.sops.yaml'))) as { creation_rules: Record<string, unknown>[] };
    for (const env of ['dev', 'prod']) {
      const dir = mkdtempSync(join(tmpdir(), 'sops-yaml-'));
      try {
        copyFileSync(repoPath('.sops.yaml'), join(dir, '.sops.yaml'));
        // The doc's command as pasted, with age-keygen answering a fixed public key.
        execFileSync('bash', ['-c', `age-keygen() { echo ${recipient}; }\nENV=${env}\n${edit}`], {
          cwd: dir,
        });
        const edited = parse(readFileSync(join(dir, '.sops.yaml'), 'utf8')) as typeof original;
        expect(edited.creation_rules).toEqual(
          original.creation_rules.map((rule) =>
            String(rule.path_regex).includes(`/${env}/`) ? { ...rule, age: recipient } : rule,
          ),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('seals through a temporary file, so a failed sops never empties a committed Secret', () => {
    const body = /seal\(\) \{([\s\S]*?)\n\}/.exec(deployDoc)?.[1] ?? '';
    expect(body).toContain('mktemp');
    expect(body).not.toMatch(/>\s*"\$1"/);
  });

  it('gives shell blocks that bash parses, with no <placeholder> the shell would read as a redirection', () => {
    const blocks = [...deployDoc.matchAll(/^ *```sh\n([\s\S]*?)^ *```$/gm)].map((m) =>
      (m[1] ?? '').replace(/^ {3}/gm, ''),
    );
    expect(blocks.length).toBeGreaterThan(5);
    for (const block of blocks) {
      expect(
        () => execFileSync('bash', ['-n'], { input: block, stdio: ['pipe', 'pipe', 'pipe'] }),
        block,
      ).not.toThrow();
    }
    const unquoted = (command: string) => command.replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, "''");
    for (const command of commands) expect(unquoted(command), command).not.toMatch(/<[A-Za-z]/);
  });

  it('has no literal placeholder a pasted command would encrypt as a value', () => {
    for (const command of commands.filter((c) => /--from-literal=/.test(c)))
      expect(command, command).not.toMatch(/--from-literal=\w+='?<[^>]*>/);
  });

  it('passes the admin password into the pod, which kubectl exec does not do by itself', () => {
    const createAdmin = commands.filter((c) => /create-admin/.test(c));
    expect(createAdmin.length).toBeGreaterThan(0);
    for (const command of createAdmin.filter((c) => c.startsWith('kubectl')))
      expect(command).toMatch(/-- env ADMIN_PASSWORD="\$ADMIN_PASSWORD" node dist\/cli\/create-admin\.js/);
  });

  it('reads Flux errors of every namespace (the NATS HelmRelease lives in cartwatch)', () => {
    const logs = everyCommand.filter((c) => /^flux logs/.test(c));
    expect(logs.length).toBeGreaterThan(0);
    for (const command of logs) expect(command).toMatch(/(\s-A\b|--all-namespaces)/);
  });

  it('takes on-demand backups through the Barman Cloud plugin, in the docs and the restore runbook', () => {
    const backups = [deployDoc, restoreRunbook].flatMap((doc) =>
      [...doc.matchAll(/`(kubectl cnpg backup [^`]*)`/g)].map((m) => m[1] ?? ''),
    );
    expect(backups.length).toBeGreaterThanOrEqual(2);
    for (const command of backups)
      expect(command).toMatch(/--method plugin --plugin-name barman-cloud\.cloudnative-pg\.io/);
  });
});
