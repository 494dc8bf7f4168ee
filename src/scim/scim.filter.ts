import { ScimError } from './scim.errors.ts';

/**
 * A parser for SCIM filters and PATCH paths, RFC 7644 §3.4.2.2 and §3.5.2
 * (https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2). Written here because the npm parsers
 * we tried split `emails[type eq "work"].value eq "x"` into two unrelated clauses and leave JSON
 * escapes undecoded; this one follows the ABNF and also reads that value-path form.
 */

/** An attribute path: `[URI ":"] ATTRNAME ["." subAttr]`, as written (case kept, compared case-insensitively later). */
export interface AttrPath {
  /** The schema URN prefix, when given (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`). */
  uri: string | null;
  name: string;
  sub: string | null;
}

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type CompValue = string | number | boolean | null;

/** A parsed filter. */
export type Filter =
  | { kind: 'compare'; path: AttrPath; op: CompareOp; value: CompValue }
  | { kind: 'present'; path: AttrPath }
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  /** `attr[filter]`: some value of the multi-valued `attr` matches `filter` (paths inside are relative). */
  | { kind: 'valuePath'; path: AttrPath; filter: Filter };

/** A PATCH `path` (RFC 7644 §3.5.2): an attribute, optionally a value filter, optionally a sub-attribute after it. */
export interface PatchPath {
  path: AttrPath;
  filter: Filter | null;
  /** The sub-attribute after `]`, as in `emails[type eq "work"].value`. */
  sub: string | null;
}

const COMPARE_OPS = new Set<string>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const MAX_FILTER_LENGTH = 4096;
const MAX_DEPTH = 32;
const ATTR_NAME = /^[A-Za-z$][\w$-]*$/;

type Token =
  | { type: 'word'; text: string; at: number }
  | { type: 'string'; text: string; at: number }
  | { type: '(' | ')' | '[' | ']'; at: number };

function tokenize(input: string, fail: (message: string) => never): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const char = input[i] as string;
    if (/\s/.test(char)) {
      i += 1;
    } else if (char === '(' || char === ')' || char === '[' || char === ']') {
      tokens.push({ type: char, at: i });
      i += 1;
    } else if (char === '"') {
      let end = i + 1;
      while (end < input.length && input[end] !== '"') {
        end += input[end] === '\\' ? 2 : 1;
      }
      if (end >= input.length) {
        fail(`unterminated string starting at character ${i + 1}`);
      }
      const raw = input.slice(i, end + 1);
      try {
        tokens.push({ type: 'string', text: JSON.parse(raw) as string, at: i });
      } catch {
        fail(`invalid escape in the string at character ${i + 1}`);
      }
      i = end + 1;
    } else {
      let end = i;
      while (end < input.length && !/[\s()[\]"]/.test(input[end] as string)) {
        end += 1;
      }
      tokens.push({ type: 'word', text: input.slice(i, end), at: i });
      i = end;
    }
  }
  return tokens;
}

/**
 * Splits an attribute path into URN, name and sub-attribute.
 * @param text e.g. `name.givenName`, `urn:…:enterprise:2.0:User:manager.value`
 * @returns the parts, or null when it is not an attribute path
 */
export function parseAttrPath(text: string): AttrPath | null {
  let uri: string | null = null;
  let rest = text;
  if (/^urn:/i.test(text)) {
    const colon = text.lastIndexOf(':');
    uri = text.slice(0, colon);
    rest = text.slice(colon + 1);
  }
  const [name, sub, ...more] = rest.split('.');
  if (!name || !ATTR_NAME.test(name) || more.length > 0 || (sub !== undefined && !ATTR_NAME.test(sub))) {
    return null;
  }
  return { uri, name, sub: sub ?? null };
}

class Parser {
  private readonly tokens: Token[];
  private position = 0;
  private depth = 0;
  private readonly fail: (message: string) => never;

  constructor(tokens: Token[], fail: (message: string) => never) {
    this.tokens = tokens;
    this.fail = fail;
  }

  peek(): Token | undefined {
    return this.tokens[this.position];
  }

  next(): Token {
    const token = this.tokens[this.position];
    if (!token) {
      this.fail('the expression ends too early');
    }
    this.position += 1;
    return token;
  }

  atEnd(): boolean {
    return this.position >= this.tokens.length;
  }

  isWord(token: Token | undefined, word: string): boolean {
    return token?.type === 'word' && token.text.toLowerCase() === word;
  }

  expect(type: '(' | ')' | '[' | ']'): void {
    const token = this.next();
    if (token.type !== type) {
      this.fail(`expected "${type}" at character ${token.at + 1}`);
    }
  }

  filter(): Filter {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) {
      this.fail(`nested deeper than ${MAX_DEPTH} levels`);
    }
    let left = this.andExpr();
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      left = { kind: 'or', left, right: this.andExpr() };
    }
    this.depth -= 1;
    return left;
  }

  andExpr(): Filter {
    let left = this.unary();
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  unary(): Filter {
    const token = this.peek();
    if (this.isWord(token, 'not')) {
      this.next();
      this.expect('(');
      const inner = this.filter();
      this.expect(')');
      return { kind: 'not', filter: inner };
    }
    if (token?.type === '(') {
      this.next();
      const inner = this.filter();
      this.expect(')');
      return inner;
    }
    return this.attrExpr();
  }

  attrPath(): AttrPath {
    const token = this.next();
    const path = token.type === 'word' ? parseAttrPath(token.text) : null;
    if (!path) {
      this.fail(`expected an attribute name at character ${token.at + 1}`);
    }
    return path;
  }

  attrExpr(): Filter {
    const path = this.attrPath();
    if (this.peek()?.type === '[') {
      if (path.sub) {
        this.fail(`a value filter cannot follow the sub-attribute ${path.name}.${path.sub}`);
      }
      this.next();
      const inner = this.filter();
      this.expect(']');
      const after = this.peek();
      // `emails[type eq "work"].value eq "x"`: the comparison applies to the same value as the filter.
      if (after?.type === 'word' && after.text.startsWith('.')) {
        this.next();
        const sub = parseAttrPath(after.text.slice(1));
        if (!sub || sub.uri || sub.sub) {
          this.fail(`expected a sub-attribute at character ${after.at + 1}`);
        }
        const comparison = this.comparison({ uri: null, name: sub.name, sub: null });
        return { kind: 'valuePath', path, filter: { kind: 'and', left: inner, right: comparison } };
      }
      return { kind: 'valuePath', path, filter: inner };
    }
    return this.comparison(path);
  }

  comparison(path: AttrPath): Filter {
    const opToken = this.next();
    const op = opToken.type === 'word' ? opToken.text.toLowerCase() : '';
    if (op === 'pr') {
      return { kind: 'present', path };
    }
    if (!COMPARE_OPS.has(op)) {
      this.fail(`expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) at character ${opToken.at + 1}`);
    }
    const valueToken = this.next();
    let value: CompValue;
    if (valueToken.type === 'string') {
      value = valueToken.text;
    } else if (valueToken.type === 'word') {
      const word = valueToken.text;
      if (/^(true|false|null)$/i.test(word)) {
        value = word.toLowerCase() === 'null' ? null : word.toLowerCase() === 'true';
      } else if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(word)) {
        value = Number(word);
      } else {
        this.fail(`expected a value (a "string", number, true, false or null) at character ${valueToken.at + 1}`);
      }
    } else {
      this.fail(`expected a value at character ${valueToken.at + 1}`);
    }
    return { kind: 'compare', path, op: op as CompareOp, value };
  }
}

/**
 * Parses a SCIM filter (the `filter` query parameter, or the body of `POST /.search`).
 * @param input the filter text
 * @returns the filter tree
 * @throws ScimError 400 `invalidFilter` naming what is wrong and where
 */
export function parseFilter(input: string): Filter {
  const fail: (message: string) => never = (message) => {
    throw new ScimError(400, 'invalidFilter', `Invalid filter: ${message}.`);
  };
  if (input.length > MAX_FILTER_LENGTH) {
    fail(`longer than ${MAX_FILTER_LENGTH} characters`);
  }
  const tokens = tokenize(input, fail);
  if (tokens.length === 0) {
    fail('it is empty');
  }
  const parser = new Parser(tokens, fail);
  const filter = parser.filter();
  if (!parser.atEnd()) {
    const token = parser.peek() as Token;
    fail(
      `unexpected ${token.type === 'word' || token.type === 'string' ? `"${token.text}"` : `"${token.type}"`} at character ${token.at + 1}`,
    );
  }
  return filter;
}

/**
 * Parses a PATCH operation's `path`: `attrPath`, `attrPath[valFilter]` or `attrPath[valFilter].subAttr`.
 * @param input the path
 * @returns the parsed path
 * @throws ScimError 400 `invalidPath`
 */
export function parsePatchPath(input: string): PatchPath {
  const fail: (message: string) => never = (message) => {
    throw new ScimError(400, 'invalidPath', `Invalid path "${input}": ${message}.`);
  };
  if (input.length > MAX_FILTER_LENGTH) {
    fail('too long');
  }
  const tokens = tokenize(input, fail);
  const parser = new Parser(tokens, fail);
  const path = parser.attrPath();
  let filter: Filter | null = null;
  let sub: string | null = null;
  if (parser.peek()?.type === '[') {
    if (path.sub) {
      fail('a value filter cannot follow a sub-attribute');
    }
    parser.next();
    try {
      filter = parser.filter();
    } catch (error) {
      if (error instanceof ScimError) {
        throw new ScimError(400, 'invalidFilter', error.message);
      }
      throw error;
    }
    parser.expect(']');
    const after = parser.peek();
    if (after) {
      const subPath = after.type === 'word' && after.text.startsWith('.') ? parseAttrPath(after.text.slice(1)) : null;
      if (!subPath || subPath.uri || subPath.sub) {
        fail(`unexpected text at character ${after.at + 1}`);
      }
      parser.next();
      sub = subPath.name;
    }
  }
  if (!parser.atEnd()) {
    fail('unexpected text after the attribute');
  }
  return { path, filter, sub };
}
