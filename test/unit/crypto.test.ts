/**
 * Feishu's event crypto (FEISHU.md §1.5, §1.6, §2.1):
 * - decryption matches Feishu's public test vectors; what we encrypt, we (and Feishu's algorithm) decrypt;
 * - a wrong key or a truncated payload fails instead of yielding text;
 * - event signatures are hex sha256(timestamp + nonce + Encrypt Key + raw body), legacy card
 *   signatures hex sha1(timestamp + nonce + Verification Token + raw body), over the raw bytes;
 * - the comparison is exact (and constant-time).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptEvent, encryptEvent, safeEqual, signEvent, signLegacyCard } from '../../src/platform/feishu/crypto';

describe('decryption', () => {
  it("decrypts Feishu's documented vector (key 'test key') to 'hello world'", () => {
    expect(decryptEvent('P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=', 'test key')).toBe('hello world');
  });

  it("decrypts the node-sdk's challenge vector to its url_verification body", () => {
    const cipher =
      'tT1xP+ovuc0T3b/rnZX3ax76exqAn0ANQ6/U45GcciC0mgNBc8JtvqOJGNAPMKpgRs2dVU1NYk9VDeqS8T4SYtU0hzNU54aS84WnxvZ3VFfDcy/RyABlNqlUiGyLDzFI0yxdCMT4KR/YEQXlt6nZi50KwRlZ+A75r645KesZuLMljezYyY8VeeXEVjPw35+e';
    expect(JSON.parse(decryptEvent(cipher, 'mazhe.nerd'))).toEqual({ challenge: '5634b122-c042-4634-bc7f-b07a3c3e77ad', token: 'iRdCP2WwXNBXRM3mGLqhrgch3cn0gbT6', type: 'url_verification' });
  });

  it('round-trips Chinese text with a random IV each time, and a fixed IV reproduces the vector', () => {
    const plain = JSON.stringify({ text: '/订单 新建 客户=华为 数量=1.25万' });
    const a = encryptEvent(plain, 'k');
    const b = encryptEvent(plain, 'k');
    expect(a).not.toBe(b);
    expect(decryptEvent(a, 'k')).toBe(plain);
    const iv = Buffer.from('P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=', 'base64').subarray(0, 16);
    expect(encryptEvent('hello world', 'test key', iv)).toBe('P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=');
  });

  it('fails on a wrong key, a truncated or a non-block-sized payload', () => {
    const enc = encryptEvent('{"a":1}', 'right');
    expect(() => decryptEvent(enc, 'wrong')).toThrow();
    expect(() => decryptEvent(Buffer.from('short').toString('base64'), 'right')).toThrow(/bad length/);
    const buf = Buffer.from(enc, 'base64');
    expect(() => decryptEvent(buf.subarray(0, buf.length - 1).toString('base64'), 'right')).toThrow(/bad length/);
  });
});

describe('signatures', () => {
  const body = '{"encrypt":"P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="}';

  it('signs events as hex sha256(timestamp + nonce + Encrypt Key + raw body)', () => {
    expect(signEvent('1700000000', 'abc123', 'test key', body)).toBe('69c61fa99760d59824d588297c0036194769fb54331682c9cbcd93e85b9a8aad');
    expect(signEvent('1700000000', 'abc123', 'test key', body)).toBe(createHash('sha256').update(`1700000000abc123test key${body}`).digest('hex'));
  });

  it('signs legacy card callbacks as hex sha1(timestamp + nonce + Verification Token + raw body)', () => {
    const card = '{"open_id":"ou_li","action":{"value":{"action":"x"}}}';
    const sig = signLegacyCard('1700000000', '42', 'verify-me', card);
    expect(sig).toMatch(/^[0-9a-f]{40}$/);
    expect(sig).toBe(createHash('sha1').update(`170000000042verify-me${card}`).digest('hex'));
  });

  it('changes with any byte of the raw body, the timestamp, the nonce or the key — re-serialised JSON does not verify', () => {
    const good = signEvent('1', '2', 'k', body);
    const reserialised = JSON.stringify(JSON.parse(body), null, 1);
    for (const other of [signEvent('1', '2', 'k', reserialised), signEvent('1', '2', 'k', body + ' '), signEvent('9', '2', 'k', body), signEvent('1', '9', 'k', body), signEvent('1', '2', 'K', body)]) {
      expect(safeEqual(good, other)).toBe(false);
    }
    expect(safeEqual(good, signEvent('1', '2', 'k', body))).toBe(true);
    expect(safeEqual(good, good.slice(0, -1))).toBe(false);
    expect(safeEqual(good, '')).toBe(false);
  });
});
