// The integrity check between a manifest and its model bytes, with the Web Crypto every runtime has.
export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The sha256 of a text's UTF-8 bytes (a copy of exactly them: an encoder's result may view a larger buffer). */
export function sha256HexOfText(text: string): Promise<string> {
  return sha256Hex(new TextEncoder().encode(text).slice().buffer);
}
