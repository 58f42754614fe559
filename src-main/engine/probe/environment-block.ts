/** Parses the output of `env -0`: NUL-separated `NAME=value` entries, values taken byte for byte. */

export interface CapturedEnvironment {
  /** Every variable, decoded as UTF-8 (lossy only for values listed in `raw`). */
  variables: Record<string, string>;
  /** Base64 of the exact bytes of every value that is not valid UTF-8. */
  raw: Record<string, string>;
  count: number;
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const lossyDecoder = new TextDecoder('utf-8');

/** Splits an `env -0` block into variables; an entry without `=` is skipped. */
export function parseEnvironmentBlock(block: Buffer): CapturedEnvironment {
  const variables: Record<string, string> = Object.create(null);
  const raw: Record<string, string> = Object.create(null);
  let count = 0;
  let start = 0;
  while (start < block.length) {
    let end = block.indexOf(0, start);
    if (end === -1) end = block.length;
    const entry = block.subarray(start, end);
    start = end + 1;

    const equals = entry.indexOf(0x3d);
    if (equals <= 0) continue;
    const name = lossyDecoder.decode(entry.subarray(0, equals));
    const valueBytes = entry.subarray(equals + 1);
    try {
      variables[name] = strictDecoder.decode(valueBytes);
    } catch {
      variables[name] = lossyDecoder.decode(valueBytes);
      raw[name] = Buffer.from(valueBytes).toString('base64');
    }
    count += 1;
  }
  return { variables: { ...variables }, raw: { ...raw }, count };
}
