/** Go's `base64.CorruptInputError`, raised while decoding a bytes field. */
export class WireBase64Error extends Error {
  constructor(readonly index: number) {
    super(`illegal base64 data at input byte ${index}`);
    this.name = 'WireBase64Error';
  }
}

const BASE64_CHAR = /[A-Za-z0-9+/]/;

/**
 * Go's `base64.StdEncoding.Decode`: padding required, `\r` and `\n`
 * ignored, anything else outside the alphabet is an error at its index.
 */
export function decodeStdBase64(text: string): Uint8Array {
  let clean = '';
  const positions: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '\r' || ch === '\n') continue;
    clean += ch;
    positions.push(i);
  }
  const at = (cleanIndex: number): number =>
    cleanIndex < positions.length ? positions[cleanIndex] : text.length;
  for (let q = 0; q < clean.length; q += 4) {
    const quantum = clean.slice(q, q + 4);
    for (let j = 0; j < quantum.length; j += 1) {
      const ch = quantum[j];
      if (BASE64_CHAR.test(ch)) continue;
      if (ch !== '=' || j < 2) throw new WireBase64Error(at(q + j));
      // Padding: "xx==" or "xxx=", and nothing after it.
      const padOk = j === 3 ? quantum.length === 4 : quantum === `${quantum.slice(0, 2)}==`;
      if (!padOk) throw new WireBase64Error(at(q + (j === 2 ? 3 : j)));
      if (q + 4 < clean.length) throw new WireBase64Error(at(q + 4));
    }
    if (quantum.length < 4) throw new WireBase64Error(at(q));
  }
  return Buffer.from(clean, 'base64');
}
