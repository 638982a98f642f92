/**
 * Base64 forms of a secret. Inside a larger base64 blob the secret can start at any of three
 * byte offsets within a 3-byte group; at each offset only the characters computed from the
 * secret's bits alone are stable, so those are the pattern: the leading characters that mix in
 * the bytes before, and the trailing ones that mix in the bytes after, are dropped.
 */
export function base64Fragments(secret: Buffer): string[] {
  const forms = new Set<string>();
  const whole = secret.toString('base64');
  forms.add(whole);
  forms.add(unpadded(whole));
  // two zero bytes, then the secret: its base64 from 2 - offset on is the secret's at that offset
  const padded = Buffer.allocUnsafe(secret.length + 2);
  padded[0] = 0;
  padded[1] = 0;
  secret.copy(padded, 2);
  for (let offset = 0; offset < 3; offset++) {
    const shifted = unpadded(padded.toString('base64', 2 - offset));
    const first = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + secret.length)) / 6);
    if (end > first) forms.add(shifted.slice(first, end));
  }
  return withUrlSafe(forms);
}

/**
 * GitHub's runner's Base64StringEscapeShift1/2: the base64 of the secret without its first 1 or 2
 * bytes, whole (with padding, as the runner registers it) and without padding, both alphabets.
 */
export function shiftedBase64Forms(secret: Buffer): string[] {
  const forms = new Set<string>();
  for (const shift of [1, 2]) {
    if (secret.length <= shift) continue;
    const whole = secret.toString('base64', shift);
    forms.add(whole);
    forms.add(unpadded(whole));
  }
  return withUrlSafe(forms);
}

/** Each form, then its URL-safe twin (`-_` for `+/`). */
function withUrlSafe(forms: Set<string>): string[] {
  const all: string[] = [];
  for (const form of forms) all.push(form, form.replaceAll('+', '-').replaceAll('/', '_'));
  return all;
}

function unpadded(base64: string): string {
  let end = base64.length;
  while (end > 0 && base64.charCodeAt(end - 1) === 0x3d) end--;
  return end === base64.length ? base64 : base64.slice(0, end);
}

/** Widths base64 tools wrap at: GNU `base64` and MIME (76), PEM and `openssl base64` (64). */
export const BASE64_WRAP_WIDTHS = [76, 64] as const;

/**
 * A secret encoded alone by a tool that wraps lines (`base64 key.pem`): the whole wrapped text,
 * with LF and CRLF, and each full line on its own, so a listing cut short still hides every line.
 */
export function wrappedBase64Forms(secret: Buffer): string[] {
  const whole = secret.toString('base64');
  const forms: string[] = [];
  for (const width of BASE64_WRAP_WIDTHS) {
    if (whole.length <= width) continue;
    const lines: string[] = [];
    for (let at = 0; at < whole.length; at += width) lines.push(whole.slice(at, at + width));
    forms.push(lines.join('\n'), lines.join('\r\n'), ...lines.filter((line) => line.length === width));
  }
  return forms;
}
