/** A Dockerfile reader: joins continuation lines, drops comments, splits stages and instructions. */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARG instructions before the first FROM (usable in FROM lines). */
  globalArgs: Instruction[];
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  let pending: { text: string; line: number } | undefined;
  lines.forEach((raw, index) => {
    const line = raw.trimEnd();
    if (!pending && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (pending && line.trimStart().startsWith('#')) return;
    const text = pending ? `${pending.text} ${line.trim()}` : line.trim();
    const start = pending?.line ?? index + 1;
    if (text.endsWith('\\')) {
      pending = { text: text.slice(0, -1).trimEnd(), line: start };
      return;
    }
    pending = undefined;
    const match = /^(\S+)\s*(.*)$/.exec(text);
    if (match?.[1]) instructions.push({ keyword: match[1].toUpperCase(), args: match[2] ?? '', line: start });
  });
  if (pending) throw new Error(`line ${pending.line}: dangling line continuation`);

  const result: Dockerfile = { globalArgs: [], stages: [] };
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match?.[1]) throw new Error(`line ${instruction.line}: malformed FROM`);
      result.stages.push({ from: match[1], ...(match[2] ? { name: match[2] } : {}), instructions: [] });
    } else if (result.stages.length === 0) {
      if (instruction.keyword !== 'ARG')
        throw new Error(`line ${instruction.line}: ${instruction.keyword} before FROM`);
      result.globalArgs.push(instruction);
    } else {
      result.stages.at(-1)?.instructions.push(instruction);
    }
  }
  return result;
}

/** The JSON-array form of CMD/ENTRYPOINT/HEALTHCHECK CMD, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((p) => typeof p === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The environment a stage's ENV instructions give its containers (`KEY=value` pairs; `${ARG}` replaced
 * from `buildArgs`), e.g. the services' `runtime` stage built with SERVICE and PORT.
 */
export function stageEnvironment(
  dockerfile: Dockerfile,
  stageName: string,
  buildArgs: Record<string, string>,
): Record<string, string> {
  const stage = dockerfile.stages.find((s) => s.name === stageName);
  if (!stage) throw new Error(`no stage ${stageName}`);
  const env: Record<string, string> = {};
  for (const instruction of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const [, name, value] of instruction.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g)) {
      if (name === undefined) continue;
      env[name] = (value ?? '').replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, arg: string) => {
        const resolved = buildArgs[arg] ?? env[arg];
        if (resolved === undefined) throw new Error(`ENV ${name}: build arg ${arg} not given`);
        return resolved;
      });
    }
  }
  return env;
}
