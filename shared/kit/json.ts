// A strict JSON reader for untrusted files and messages (chain files, configs, IPC frames).
//
// Why not JSON.parse: Rust writes u64 as bare integers, and JSON.parse silently rounds anything
// above 2^53−1. This reader keeps integers exact (number when safe, bigint otherwise), rejects
// duplicate object keys (serde rejects duplicate struct fields), rejects lone surrogates (a Rust
// String cannot hold one), bounds nesting depth, and reports every error with line and column.
// Objects are created without a prototype so keys such as "__proto__" are plain data.

import { err, ok, type Result } from './result';

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export interface JsonError {
  readonly message: string;
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

export interface JsonParseOptions {
  /** Maximum nesting of arrays/objects (default 64). */
  readonly depthMax?: number;
}

/** 1-based line and column of a UTF-16 offset in `text`. */
export function locate(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

class ParseFailure {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

class Reader {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly depthMax: number,
  ) {}

  parseDocument(): JsonValue {
    this.skipWhitespace();
    if (this.pos >= this.text.length) this.fail('the input is empty; expected a JSON value');
    const value = this.parseValue(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail(`unexpected ${this.describeHere()} after the JSON value`);
    return value;
  }

  private fail(message: string, offset = this.pos): never {
    throw new ParseFailure(message, offset);
  }

  private describeHere(): string {
    if (this.pos >= this.text.length) return 'end of input';
    const ch = this.text[this.pos]!;
    const code = ch.charCodeAt(0);
    if (code < 0x20) return `control character U+${code.toString(16).padStart(4, '0')}`;
    return `character '${ch}'`;
  }

  private skipWhitespace(): void {
    const text = this.text;
    let pos = this.pos;
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 32 || c === 10 || c === 13 || c === 9) pos++;
      else break;
    }
    this.pos = pos;
  }

  private parseValue(depth: number): JsonValue {
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 123: // {
        return this.parseObject(depth + 1);
      case 91: // [
        return this.parseArray(depth + 1);
      case 34: // "
        return this.parseString();
      case 116: // t
        return this.parseLiteral('true', true);
      case 102: // f
        return this.parseLiteral('false', false);
      case 110: // n
        return this.parseLiteral('null', null);
      default:
        if (c === 45 || (c >= 48 && c <= 57)) return this.parseNumber();
        return this.fail(`expected a JSON value but found ${this.describeHere()}`);
    }
  }

  private parseLiteral<T extends JsonValue>(word: string, value: T): T {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return value;
    }
    return this.fail(`expected a JSON value but found ${this.describeHere()}`);
  }

  private parseObject(depth: number): JsonObject {
    if (depth > this.depthMax) this.fail(`nesting deeper than ${this.depthMax} levels`);
    this.pos++; // {
    const out = Object.create(null) as JsonObject;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 125) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 34) this.fail(`expected a quoted object key but found ${this.describeHere()}`);
      const keyOffset = this.pos;
      const key = this.parseString();
      if (Object.prototype.hasOwnProperty.call(out, key)) this.fail(`duplicate key "${key}"`, keyOffset);
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 58) this.fail(`expected ':' after key "${key}" but found ${this.describeHere()}`);
      this.pos++;
      this.skipWhitespace();
      out[key] = this.parseValue(depth);
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      if (c === 44) {
        this.pos++;
        continue;
      }
      if (c === 125) {
        this.pos++;
        return out;
      }
      this.fail(`expected ',' or '}' in object but found ${this.describeHere()}`);
    }
  }

  private parseArray(depth: number): JsonValue[] {
    if (depth > this.depthMax) this.fail(`nesting deeper than ${this.depthMax} levels`);
    this.pos++; // [
    const out: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 93) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      out.push(this.parseValue(depth));
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      if (c === 44) {
        this.pos++;
        continue;
      }
      if (c === 93) {
        this.pos++;
        return out;
      }
      this.fail(`expected ',' or ']' in array but found ${this.describeHere()}`);
    }
  }

  private parseString(): string {
    const text = this.text;
    const start = ++this.pos; // after the opening quote
    // Fast path: no escapes.
    let pos = start;
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 34) {
        const raw = text.slice(start, pos);
        this.pos = pos + 1;
        this.checkSurrogates(raw, start);
        return raw;
      }
      if (c === 92 || c < 0x20) break;
      pos++;
    }
    let out = text.slice(start, pos);
    this.pos = pos;
    for (;;) {
      if (this.pos >= text.length) this.fail('unterminated string', start - 1);
      const c = text.charCodeAt(this.pos);
      if (c === 34) {
        this.pos++;
        this.checkSurrogates(out, start);
        return out;
      }
      if (c < 0x20) this.fail(`${this.describeHere()} inside a string must be escaped`);
      if (c !== 92) {
        out += text[this.pos];
        this.pos++;
        continue;
      }
      const escape = text[this.pos + 1];
      switch (escape) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = text.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape: expected four hex digits');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
          continue;
        }
        default:
          this.fail(`invalid escape '\\${escape ?? ''}' in string`);
      }
      this.pos += 2;
    }
  }

  /** Rust strings are UTF-8 and cannot hold a lone surrogate; serde_json rejects them. */
  private checkSurrogates(value: string, offset: number): void {
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff) {
        const next = value.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          i++;
          continue;
        }
        this.fail('string contains a lone surrogate (not valid Unicode)', offset);
      } else if (c >= 0xdc00 && c <= 0xdfff) {
        this.fail('string contains a lone surrogate (not valid Unicode)', offset);
      }
    }
  }

  private parseNumber(): number | bigint {
    const text = this.text;
    const start = this.pos;
    let pos = start;
    if (text.charCodeAt(pos) === 45) pos++;
    const intStart = pos;
    // The integer part's value is accumulated while scanning: short integers (the common case —
    // byte arrays, indexes) need no substring and no Number() conversion.
    let acc = 0;
    if (text.charCodeAt(pos) === 48) {
      pos++;
    } else {
      while (pos < text.length) {
        const d = text.charCodeAt(pos) - 48;
        if (d < 0 || d > 9) break;
        acc = acc * 10 + d;
        pos++;
      }
    }
    if (pos === intStart) this.fail('invalid number: expected a digit', pos);
    if (isDigit(text.charCodeAt(pos)) && text.charCodeAt(intStart) === 48) {
      this.fail('invalid number: leading zeros are not allowed', start);
    }
    let integral = true;
    if (text.charCodeAt(pos) === 46) {
      integral = false;
      pos++;
      const fracStart = pos;
      while (pos < text.length && isDigit(text.charCodeAt(pos))) pos++;
      if (pos === fracStart) this.fail('invalid number: expected a digit after the decimal point', pos);
    }
    const e = text.charCodeAt(pos);
    if (e === 101 || e === 69) {
      integral = false;
      pos++;
      const sign = text.charCodeAt(pos);
      if (sign === 43 || sign === 45) pos++;
      const expStart = pos;
      while (pos < text.length && isDigit(text.charCodeAt(pos))) pos++;
      if (pos === expStart) this.fail('invalid number: expected a digit in the exponent', pos);
    }
    this.pos = pos;
    if (integral && pos - intStart <= 15) return start === intStart ? acc : -acc;
    const literal = text.slice(start, pos);
    if (!integral) {
      const value = Number(literal);
      if (!Number.isFinite(value)) this.fail(`number ${literal} is out of range`, start);
      return value;
    }
    if (literal.length <= 15) return Number(literal);
    const big = BigInt(literal);
    if (big <= MAX_SAFE && big >= -MAX_SAFE) return Number(big);
    return big;
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function parseJson(text: string, options: JsonParseOptions = {}): Result<JsonValue, JsonError> {
  const reader = new Reader(text, options.depthMax ?? 64);
  try {
    return ok(reader.parseDocument());
  } catch (failure) {
    if (failure instanceof ParseFailure) {
      const where = locate(text, failure.offset);
      return err({ message: failure.message, offset: failure.offset, ...where });
    }
    throw failure;
  }
}

export function describeJsonError(error: JsonError, source = 'input'): string {
  return `${source}:${error.line}:${error.column}: ${error.message}`;
}

/** A readable name of a JSON value's type, for error messages ("expected an array, got a string"). */
export function jsonTypeName(value: JsonValue | undefined): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string': return 'a string';
    case 'boolean': return 'a boolean';
    case 'number': return Number.isInteger(value) ? 'an integer' : 'a number';
    case 'bigint': return 'an integer';
    default: return 'an object';
  }
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** u64 as Rust writes it: a non-negative integer that fits in 64 bits. */
export type U64 = number | bigint;

export const U64_MAX = (1n << 64n) - 1n;

export function isU64(value: JsonValue | undefined): value is number | bigint {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0;
  if (typeof value === 'bigint') return value >= 0n && value <= U64_MAX;
  return false;
}

/** serde_json's rendering of a u64. */
export function encodeU64(value: U64): string {
  return typeof value === 'bigint' ? value.toString() : String(value);
}

/**
 * serde_json's rendering of a string. For well-formed strings it equals JSON.stringify: quotes,
 * backslash and control characters are escaped (\b \f \n \r \t short forms, others as \u00xx);
 * '/' and non-ASCII characters are written as they are.
 */
export function encodeJsonString(value: string): string {
  return JSON.stringify(value);
}
