/**
 * A reader for the nginx configuration of the web app's image (infra/web/*.conf): directives and blocks
 * as a tree, and nginx's own rule for which `location` answers a request path, so the checks can ask
 * "what does nginx do with /app/orders" instead of grepping text.
 */
export interface Directive {
  name: string;
  args: string[];
  /** The block's directives, for `http { … }`, `location / { … }` and the like. */
  block?: Directive[];
}

/** Splits the text into words, quoted strings (quotes removed), `;`, `{` and `}`; drops comments. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] ?? '';
    if (/\s/.test(char)) {
      i += 1;
    } else if (char === '#') {
      while (i < text.length && text[i] !== '\n') i += 1;
    } else if (char === ';' || char === '{' || char === '}') {
      tokens.push(char);
      i += 1;
    } else if (char === '"' || char === "'") {
      let value = '';
      i += 1;
      while (i < text.length && text[i] !== char) {
        if (text[i] === '\\' && i + 1 < text.length) i += 1;
        value += text[i];
        i += 1;
      }
      if (i >= text.length) throw new Error('unterminated quoted string');
      tokens.push(`\u0000${value}`); // marks a quoted word, so `";"` stays a word
      i += 1;
    } else {
      let word = '';
      while (i < text.length && !/[\s;{}]/.test(text[i] ?? '')) {
        word += text[i];
        i += 1;
      }
      tokens.push(word);
    }
  }
  return tokens;
}

export function parseNginx(text: string): Directive[] {
  const tokens = tokenize(text);
  let position = 0;
  const parseBlock = (nested: boolean): Directive[] => {
    const directives: Directive[] = [];
    let words: string[] = [];
    while (position < tokens.length) {
      const token = tokens[position++] ?? '';
      if (token === ';') {
        const [name, ...args] = words;
        if (!name) throw new Error('empty directive');
        directives.push({ name, args });
        words = [];
      } else if (token === '{') {
        const [name, ...args] = words;
        if (!name) throw new Error('block without a name');
        directives.push({ name, args, block: parseBlock(true) });
        words = [];
      } else if (token === '}') {
        if (!nested) throw new Error('unexpected }');
        if (words.length > 0) throw new Error(`missing ; after ${words.join(' ')}`);
        return directives;
      } else {
        words.push(token.startsWith('\u0000') ? token.slice(1) : token);
      }
    }
    if (nested) throw new Error('missing }');
    if (words.length > 0) throw new Error(`missing ; after ${words.join(' ')}`);
    return directives;
  };
  return parseBlock(false);
}

export function directives(block: Directive[] | undefined, name: string): Directive[] {
  return (block ?? []).filter((d) => d.name === name);
}

export function only(block: Directive[] | undefined, name: string): Directive {
  const found = directives(block, name);
  if (found.length !== 1) throw new Error(`expected one ${name}, found ${found.length}`);
  return found[0] as Directive;
}

/**
 * The location nginx picks for a URI (ngx_http_core_module): an `=` match wins at once; otherwise the
 * longest prefix is remembered, and wins if it is `^~`; otherwise the first regex (`~`, `~*`) in order
 * that matches; otherwise that longest prefix. Included files must be spliced in first (`withIncluded`).
 */
export function locationFor(server: Directive[], uri: string): Directive | undefined {
  const locations = directives(server, 'location');
  const exact = locations.find((l) => l.args[0] === '=' && l.args[1] === uri);
  if (exact) return exact;
  const prefixes = locations
    .filter((l) => l.args.length === 1 || l.args[0] === '^~')
    .map((l) => ({ location: l, prefix: l.args.at(-1) ?? '' }))
    .filter(({ prefix }) => uri.startsWith(prefix))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const longest = prefixes[0];
  if (longest?.location.args[0] === '^~') return longest.location;
  const regex = locations.find(
    (l) =>
      (l.args[0] === '~' && new RegExp(l.args[1] ?? '').test(uri)) ||
      (l.args[0] === '~*' && new RegExp(l.args[1] ?? '', 'i').test(uri)),
  );
  return regex ?? longest?.location;
}

/** `add_header` values of a block, by header name (the `always` flag kept apart). */
export function addedHeaders(
  block: Directive[] | undefined,
): Map<string, { value: string; always: boolean }> {
  return new Map(
    directives(block, 'add_header').map((d) => [
      d.args[0] ?? '',
      { value: d.args[1] ?? '', always: d.args[2] === 'always' },
    ]),
  );
}

/** The block with every `include` whose pattern `files` knows replaced by that file's directives. */
export function withIncluded(block: Directive[], files: Record<string, Directive[]>): Directive[] {
  return block.flatMap((d) =>
    d.name === 'include' && files[d.args[0] ?? ''] ? (files[d.args[0] ?? ''] ?? []) : [d],
  );
}
