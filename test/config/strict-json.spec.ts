import { describe, expect, it } from 'vitest';
import {
  JsonDuplicateKeyError,
  JsonObject,
  JsonSyntaxError,
  parseStrictJson,
  type JsonValue,
} from '../../src/config/strict-json.js';

/** JsonObject → plain object, to compare with JSON.parse. */
function plain(value: JsonValue): unknown {
  if (value instanceof JsonObject) return Object.fromEntries(value.entries.map(([k, v]) => [k, plain(v)]));
  return Array.isArray(value) ? value.map(plain) : value;
}

describe('parseStrictJson', () => {
  it.each([
    '{}',
    '[]',
    'null',
    'true',
    'false',
    '0',
    '-0.5e-3',
    '1E+2',
    '"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"',
    ' \t\r\n{ "a" : [1, 2, {"b": null}], "c": {"d": "é"} } \n',
    '{"tokens":{"ro-7f3a9c":{"id":"dashboards","scopes":["read"]}}}',
    '[[[[[]]]]]',
  ])('agrees with JSON.parse on %j', (text) => {
    expect(plain(parseStrictJson(text))).toEqual(JSON.parse(text));
  });

  it('keeps object keys in file order, integer-like keys included', () => {
    const value = parseStrictJson('{"b": 1, "10": 2, "a": 3, "2": 4}') as JsonObject;
    expect(value.entries.map(([key]) => key)).toEqual(['b', '10', 'a', '2']);
  });

  it.each([
    ['', 1, 1],
    ['{', 1, 2],
    ['{"a" 1}', 1, 6],
    ['{"a": 1,}', 1, 9],
    ['[1,]', 1, 4],
    ["{'a': 1}", 1, 2],
    ['{a: 1}', 1, 2],
    ['{"a": 01}', 1, 8],
    ['{"a": .5}', 1, 7],
    ['{"a": +1}', 1, 7],
    ['{"a": 1.}', 1, 8],
    ['{"a": NaN}', 1, 7],
    ['{"a": tru}', 1, 7],
    ['{"a": "x\ny"}', 1, 9],
    ['{"a": "\\x"}', 1, 8],
    ['{"a": "\\u12g4"}', 1, 8],
    ['{"a": "open', 1, 12],
    ['{}\n// comment', 2, 1],
    ['{} {}', 1, 4],
    ['\ufeff{}', 1, 1],
  ])('rejects %j with a position', (text, line, column) => {
    let error: unknown;
    try {
      parseStrictJson(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(JsonSyntaxError);
    expect(error).toMatchObject({ line, column });
  });

  it('never quotes the text in its errors', () => {
    const secret = 'tok-s3cr3t';
    for (const text of [`{"${secret}": }`, `{"${secret}"`, `["${secret}" "x"]`, `{"a": "${secret}\u0001"}`]) {
      expect(() => parseStrictJson(text)).toThrow(JsonSyntaxError);
      try {
        parseStrictJson(text);
      } catch (err) {
        expect((err as Error).message).not.toContain(secret);
        expect((err as Error).message).toMatch(/ at line \d+ column \d+$/);
      }
    }
  });

  it('rejects deep nesting instead of overflowing the stack', () => {
    expect(() => parseStrictJson('['.repeat(100_000))).toThrow(/nesting too deep/);
  });

  it.each([
    ['{"a": 1, "a": 2}', [{ key: 'a', position: 2 }]],
    ['{"a": 1, "\\u0061": 2}', [{ key: 'a', position: 2 }]],
    ['{"t": {"x": {}, "y": {}, "x": {}}}', [{ key: 't', position: 1 }, { key: 'x', position: 3 }]],
    [
      '{"t": [{"id": 1}, {"id": 1, "id": 2}]}',
      [
        { key: 't', position: 1 },
        { key: 1, position: 2 },
        { key: 'id', position: 2 },
      ],
    ],
  ])('reports the duplicate key of %s with its path', (text, path) => {
    let error: unknown;
    try {
      parseStrictJson(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(JsonDuplicateKeyError);
    expect((error as JsonDuplicateKeyError).path).toEqual(path);
  });

  it('allows the same key in different objects', () => {
    expect(plain(parseStrictJson('{"a": {"id": 1}, "b": {"id": 2}}'))).toEqual({ a: { id: 1 }, b: { id: 2 } });
  });
});
