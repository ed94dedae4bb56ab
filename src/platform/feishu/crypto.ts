import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Feishu event encryption (FEISHU.md §1.5): AES-256-CBC, key = sha256(Encrypt Key), IV = first 16 bytes. */
const aesKeys = new Map<string, Buffer>(); // one Encrypt Key per app: hashed once, not per event
function aesKey(encryptKey: string): Buffer {
  let key = aesKeys.get(encryptKey);
  if (!key) aesKeys.set(encryptKey, (key = createHash('sha256').update(encryptKey).digest()));
  return key;
}

export function decryptEvent(encrypted: string, encryptKey: string): string {
  const buf = Buffer.from(encrypted, 'base64');
  if (buf.length < 32 || buf.length % 16 !== 0) throw new Error('encrypted payload has a bad length');
  const decipher = createDecipheriv('aes-256-cbc', aesKey(encryptKey), buf.subarray(0, 16));
  return Buffer.concat([decipher.update(buf.subarray(16)), decipher.final()]).toString('utf8');
}

export function encryptEvent(plain: string, encryptKey: string, iv: Buffer = randomBytes(16)): string {
  const cipher = createCipheriv('aes-256-cbc', aesKey(encryptKey), iv);
  return Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
}

/** X-Lark-Signature: hex(sha256(timestamp + nonce + encryptKey + rawBody)), over the raw body bytes. */
export function signEvent(timestamp: string, nonce: string, encryptKey: string, rawBody: string): string {
  return createHash('sha256').update(timestamp + nonce + encryptKey).update(rawBody).digest('hex');
}

/** Legacy card callback signature: hex(sha1(timestamp + nonce + verificationToken + rawBody)). */
export function signLegacyCard(timestamp: string, nonce: string, token: string, rawBody: string): string {
  return createHash('sha1').update(timestamp + nonce + token).update(rawBody).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
