/**
 * A small RFC 8259 parser for files that hold secrets. Unlike JSON.parse it keeps object keys in file
 * order, rejects duplicate keys, and its errors carry positions only, never a fragment of the text.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** An object as its entries in file order (JS objects reorder integer-like keys). */
export class JsonObject {
  constructor(readonly entries: ReadonlyArray<readonly [string, JsonValue]>) {}
}

/** Where a problem sits: the keys / array indexes from the top level down, with 1-based positions. */
export type JsonPath = ReadonlyArray<{ key: string | number; position: number }>;

export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    detail: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${detail} at line ${line} column ${column}`);
  }
}

export class JsonDuplicateKeyError extends Error {
  override readonly name = 'JsonDuplicateKeyError';
  /** Path of the repeated key itself (its last element is the duplicate). */
  constructor(readonly path: JsonPath) {
    super('duplicate object key');
  }
}

const MAX_DEPTH = 64;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class Parser {
  private pos = 0;
  private readonly path: Array<{ key: string | number; position: number }> = [];

  constructor(private readonly text: string) {}

  parseDocument(): JsonValue {
    const value = this.value();
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail('unexpected character after the document');
    return value;
  }

  private fail(detail: string): never {
    const before = this.text.slice(0, this.pos).split('\n');
    throw new JsonSyntaxError(detail, before.length, before[before.length - 1]!.length + 1);
  }

  private skipWhitespace(): void {
    while (' \t\n\r'.includes(this.text[this.pos] ?? 'x')) this.pos++;
  }

  private expect(char: string): void {
    if (this.text[this.pos] !== char) this.fail(`expected '${char}'`);
    this.pos++;
  }

  private value(): JsonValue {
    this.skipWhitespace();
    if (this.path.length > MAX_DEPTH) this.fail('nesting too deep');
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    this.fail(c === undefined ? 'unexpected end of input' : 'unexpected character');
  }

  private object(): JsonObject {
    this.pos++;
    const entries: Array<[string, JsonValue]> = [];
    const seen = new Set<string>();
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return new JsonObject(entries);
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const key = this.string();
      this.path.push({ key, position: entries.length + 1 });
      if (seen.has(key)) throw new JsonDuplicateKeyError([...this.path]);
      seen.add(key);
      this.skipWhitespace();
      this.expect(':');
      entries.push([key, this.value()]);
      this.path.pop();
      this.skipWhitespace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return new JsonObject(entries);
      }
      this.expect(',');
    }
  }

  private array(): JsonValue[] {
    this.pos++;
    const items: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return items;
    }
    for (;;) {
      this.path.push({ key: items.length, position: items.length + 1 });
      items.push(this.value());
      this.path.pop();
      this.skipWhitespace();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return items;
      }
      this.expect(',');
    }
  }

  private string(): string {
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c < ' ') this.fail('control character in string');
      if (c !== '\\') {
        out += c;
        this.pos++;
        continue;
      }
      const e = this.text[this.pos + 1];
      if (e === 'u') {
        const hex = this.text.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) this.fail('invalid \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
      } else if (e !== undefined && e in ESCAPES) {
        out += ESCAPES[e];
        this.pos += 2;
      } else {
        this.fail('invalid escape');
      }
    }
  }

  private number(): number {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) this.fail('invalid number');
    this.pos += match[0].length;
    return Number(match[0]);
  }
}

/** Parses JSON text; throws JsonSyntaxError or JsonDuplicateKeyError. */
export function parseStrictJson(text: string): JsonValue {
  return new Parser(text).parseDocument();
}
