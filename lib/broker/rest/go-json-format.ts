/**
 * JSON the way the real server's REST face writes it (Go's `encoding/json`
 * behind labstack echo): Go's string escaping and `json.Indent` layout.
 */
import { BACKSLASH, QUOTE } from './json-char-codes';

/**
 * `value` as a JSON string literal the way Go's encoder writes it: `<`, `>`
 * and `&` escaped for HTML, U+2028/U+2029 escaped, lone surrogates replaced.
 */
export function goJsonString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += value[i] + value[i + 1];
        i += 1;
      } else {
        out += '\\ufffd';
      }
      continue;
    }
    if (code >= 0xdc00 && code <= 0xdfff) {
      out += '\\ufffd';
      continue;
    }
    switch (code) {
      case QUOTE:
        out += '\\"';
        break;
      case BACKSLASH:
        out += '\\\\';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x3c:
      case 0x3e:
      case 0x26:
      case 0x2028:
      case 0x2029:
        out += `\\u${code.toString(16).padStart(4, '0')}`;
        break;
      default:
        out += code < 0x20 ? `\\u${code.toString(16).padStart(4, '0')}` : value[i];
    }
  }
  return `${out}"`;
}

/**
 * Go's `json.Indent(dst, compact, "", indent)`: one member per line, `": "`
 * after keys, and empty objects and arrays kept as `{}` / `[]`.
 */
export function indentJson(compact: string, indent = '\t'): string {
  let out = '';
  let depth = 0;
  let inString = false;
  let needIndent = false;
  const newline = (level: number): string => `\n${indent.repeat(level)}`;
  for (let i = 0; i < compact.length; i += 1) {
    const ch = compact[i];
    if (inString) {
      out += ch;
      if (ch === '\\') {
        out += compact[i + 1];
        i += 1;
      } else if (ch === '"') {
        inString = false;
      }
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') continue;
    if (needIndent && ch !== '}' && ch !== ']') {
      needIndent = false;
      out += newline(depth);
    }
    switch (ch) {
      case '"':
        inString = true;
        out += ch;
        break;
      case '{':
      case '[':
        out += ch;
        depth += 1;
        needIndent = true;
        break;
      case '}':
      case ']':
        depth -= 1;
        if (needIndent) needIndent = false;
        else out += newline(depth);
        out += ch;
        break;
      case ',':
        out += `,${newline(depth)}`;
        break;
      case ':':
        out += ': ';
        break;
      default:
        out += ch;
    }
  }
  return out;
}
