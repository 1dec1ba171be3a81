// A base64 image as clients send it: plain base64 or a `data:` URL (what canvas.toDataURL() gives).
// Strict about the alphabet, so that a typo is an error naming the string instead of a garbled image.
import { IMAGE_PIXELS } from '../contract/image';

/** Thrown for a string that is not base64; the message completes "images[3] …". */
export class Base64Error extends Error {
  override name = 'Base64Error';
}

const DATA_URL = /^data:([^,;]*)((?:;[^,;]*)*),/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// Line breaks are allowed (MIME wraps base64 at 76 characters); other characters are not.
const LINE_BREAKS = /[\r\n]/g;

export function decodeBase64(text: string): Uint8Array {
  let payload = text;
  const dataUrl = DATA_URL.exec(text);
  if (dataUrl !== null) {
    const parameters = (dataUrl[2] ?? '').toLowerCase().split(';');
    if (!parameters.includes('base64')) throw new Base64Error('is a data: URL without ";base64"');
    payload = text.slice(dataUrl[0].length);
  }
  payload = payload.replace(LINE_BREAKS, '');
  if (payload.length === 0) throw new Base64Error('is an empty string, not a base64 image');
  if (!BASE64.test(payload) || payload.length % 4 === 1) {
    throw new Base64Error(`is neither ${IMAGE_PIXELS} numbers nor valid base64 (PNG or JPEG)`);
  }
  let binary: string;
  try {
    binary = atob(payload);
  } catch {
    throw new Base64Error(`is neither ${IMAGE_PIXELS} numbers nor valid base64 (PNG or JPEG)`);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
