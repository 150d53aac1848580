// Request bodies as bytes on the wire: JSON, YAML or protobuf parsed into plain values (the
// objects are then decoded by api/decode.ts), duplicate keys found, warnings written as headers.
import { errors } from '../api/errors.js';
import { duplicateFields } from '../api/json.js';
import { bodyFormat } from './negotiation.js';
import { decodeProtobufBody } from './protobuf-decode.js';
import { yaml } from '../lazy-modules.js';

export const BODY_MEDIA_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

/** A body parsed into a plain value, and the keys it gave twice (JSON only: YAML bodies with duplicate keys fail to parse). */
export interface ParsedBody { value: unknown; duplicates: string[] }

/** Parses a JSON or YAML body into a plain value; syntax errors are 400s. */
export function parseBody(body: Buffer, contentType: string | undefined, what: string): unknown {
  return parsed(body, contentType, what).value;
}

/** parseBody, with the keys a JSON body gave twice (which JSON.parse resolves to the last). */
export function parseBodyWithDuplicates(body: Buffer, contentType: string | undefined, what: string): ParsedBody {
  const { value, text } = parsed(body, contentType, what);
  return { value, duplicates: text === undefined ? [] : duplicateFields(text, value) };
}

/** The body's value, and its text when it is JSON (the only format whose duplicate keys parse). */
function parsed(body: Buffer, contentType: string | undefined, what: string): { value: unknown; text?: string } {
  const format = bodyFormat(contentType);
  if (format === undefined) throw errors.unsupportedMediaType(contentType ?? '', BODY_MEDIA_TYPES);
  if (format === 'protobuf') return { value: decodeProtobufBody(body) };
  const text = body.toString('utf8');
  if (text.trim() === '') throw errors.badRequest(`the object provided is unrecognized (must be of type ${what}): couldn't get version/kind; json parse error: unexpected end of JSON input`);
  try {
    return format === 'yaml' ? { value: yaml().parse(text) } : { value: JSON.parse(text), text };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${what}): couldn't get version/kind; json parse error: ${why}`);
  }
}

/** `Warning` header values: `299 - "text"`, with the text quoted as Go's strconv.Quote. */
export function warningHeaders(warnings: string[]): string[] {
  return warnings.map((w) => `299 - ${JSON.stringify(w)}`);
}
