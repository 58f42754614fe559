/**
 * Turns a file's bytes into the text the editor shows and back. The editor works with `\n` line
 * endings and no byte order mark, and saving restores the file's encoding, byte order mark and line endings,
 * so an unchanged file is written back byte for byte (except a file with mixed line endings).
 */
import { isUtf8 } from 'node:buffer';

import type { TextFormat } from '../../shared/editing.ts';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** A file the editor cannot show as text without changing it, with the reason as a phrase. */
export class UnsupportedTextError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'UnsupportedTextError';
  }
}

/**
 * Text that cannot be written to the file: a character its encoding cannot store (`€` typed into
 * a Latin-1 file, an unpaired surrogate) or a NUL character, which no startup file can hold.
 */
export class UnencodableTextError extends Error {
  constructor(
    readonly line: number,
    message: string,
    /** The kind of character found: a NUL, one outside Latin-1, or an unpaired surrogate. */
    readonly character: 'nul' | 'outside-latin1' | 'surrogate',
  ) {
    super(message);
    this.name = 'UnencodableTextError';
  }
}

/**
 * Decodes a file's bytes for the editor. Valid UTF-8 is read as UTF-8 and anything else as
 * Latin-1, where every byte is one character, so any byte sequence survives an edit.
 *
 * @throws UnsupportedTextError for UTF-16 text and for files containing NUL bytes.
 */
export function decodeFileText(bytes: Buffer): { text: string; format: TextFormat } {
  rejectUnsupported(bytes);
  const utf8 = isUtf8(bytes);
  const bom = utf8 && bytes.subarray(0, UTF8_BOM.length).equals(UTF8_BOM);
  const body = bom ? bytes.subarray(UTF8_BOM.length) : bytes;
  const raw = utf8 ? body.toString('utf8') : body.toString('latin1');

  const crlfCount = raw.match(/\r\n/g)?.length ?? 0;
  const lfCount = (raw.match(/\n/g)?.length ?? 0) - crlfCount;
  let lineEnding: TextFormat['lineEnding'] = 'mixed';
  if (crlfCount === 0) lineEnding = 'lf';
  else if (lfCount === 0) lineEnding = 'crlf';
  const format: TextFormat = {
    encoding: utf8 ? 'utf-8' : 'latin1',
    bom,
    lineEnding,
    finalNewline: raw.endsWith('\n'),
  };
  if (format.lineEnding === 'mixed') format.majorityEnding = crlfCount > lfCount ? 'crlf' : 'lf';

  // An LF file keeps every `\r`, so a stray carriage return inside a line survives the edit.
  const text = format.lineEnding === 'lf' ? raw : raw.replaceAll('\r\n', '\n');
  return { text, format };
}

/**
 * Encodes the editor's text in the file's format. Every `\n` becomes the file's line ending,
 * and the text is otherwise written as given, including whether it ends with a newline.
 *
 * @throws UnencodableTextError when the text contains U+0000, when a Latin-1 file would get a
 *   character above U+00FF, or when the text contains an unpaired surrogate.
 */
export function encodeFileText(text: string, format: TextFormat): Buffer {
  // Shells end a line at a NUL byte or reject the file, and decodeFileText would not open it again.
  const nul = text.indexOf('\u0000');
  if (nul !== -1) {
    const line = lineNumberAt(text, nul);
    throw new UnencodableTextError(line, `line ${line} contains a NUL character, which startup files cannot hold`, 'nul');
  }
  const ending = lineEndingOnSave(format);
  const withEndings = ending === '\n' ? text : text.replaceAll('\n', ending);
  if (format.encoding === 'latin1') {
    const unencodable = /[^\u0000-\u00ff]/u.exec(text);
    if (unencodable) {
      const line = lineNumberAt(text, unencodable.index);
      throw new UnencodableTextError(
        line,
        `line ${line} contains ${JSON.stringify(unencodable[0])}, which the file's encoding cannot store ` +
          '(Latin-1, because the file is not valid UTF-8)',
        'outside-latin1',
      );
    }
    return Buffer.from(withEndings, 'latin1');
  }
  // Buffer.from would write U+FFFD in place of a lone surrogate, silently changing the text.
  const loneSurrogate = /\p{Cs}/u.exec(text);
  if (loneSurrogate) {
    const line = lineNumberAt(text, loneSurrogate.index);
    throw new UnencodableTextError(
      line,
      `line ${line} contains an unpaired UTF-16 surrogate, which UTF-8 cannot store`,
      'surrogate',
    );
  }
  const body = Buffer.from(withEndings, 'utf8');
  return format.bom ? Buffer.concat([UTF8_BOM, body]) : body;
}

/** Returns the format of a file that does not exist yet: UTF-8 with `\n` line endings. */
export function newFileFormat(): TextFormat {
  return { encoding: 'utf-8', bom: false, lineEnding: 'lf', finalNewline: true };
}

function lineEndingOnSave(format: TextFormat): '\n' | '\r\n' {
  if (format.lineEnding === 'crlf') return '\r\n';
  if (format.lineEnding === 'mixed' && format.majorityEnding === 'crlf') return '\r\n';
  return '\n';
}

function rejectUnsupported(bytes: Buffer): void {
  const first = bytes[0];
  const second = bytes[1];
  if ((first === 0xff && second === 0xfe) || (first === 0xfe && second === 0xff)) {
    throw new UnsupportedTextError(
      'it is UTF-16 text (it starts with a UTF-16 byte order mark), which shells do not read correctly; ' +
        'convert it to UTF-8 in another editor first',
    );
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    throw new UnsupportedTextError(
      `it contains a NUL byte (at byte ${nul}), so it is not a text file; ` +
        'check it in another editor or restore it from a copy',
    );
  }
}

function lineNumberAt(text: string, index: number): number {
  let line = 1;
  for (let position = text.indexOf('\n'); position !== -1 && position < index; position = text.indexOf('\n', position + 1)) {
    line += 1;
  }
  return line;
}
