import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clearedSessionCookie, parseCookies, SESSION_COOKIE, sessionCookie } from '../../src/accounts/cookies.js';

describe('Cookie header parsing', () => {
  test('pairs, spaces, quotes and percent-encoding', () => {
    const c = parseCookies('a=1; perisai_session=abc_-DEF ;theme="dark";  x=%7Bjson%7D');
    assert.equal(c.get('a'), '1');
    assert.equal(c.get(SESSION_COOKIE), 'abc_-DEF');
    assert.equal(c.get('theme'), 'dark');
    assert.equal(c.get('x'), '{json}');
  });

  test('the first of two same-named cookies wins; values may contain "="', () => {
    const c = parseCookies('s=first; s=second; b64=YWJj==');
    assert.equal(c.get('s'), 'first');
    assert.equal(c.get('b64'), 'YWJj==');
  });

  test('malformed input is skipped, never thrown on', () => {
    assert.equal(parseCookies(undefined).size, 0);
    assert.equal(parseCookies('').size, 0);
    const c = parseCookies(';;=novalue; noequals; bad=%E0%A4%A; ok=1; =; ');
    assert.deepEqual([...c.keys()], ['bad', 'ok']);
    assert.equal(c.get('bad'), '%E0%A4%A', 'undecodable stays as sent');
  });
});

describe('Set-Cookie for sessions', () => {
  test('Secure, HttpOnly, SameSite=Strict, Path=/ and a Max-Age in seconds', () => {
    const line = sessionCookie('tok', 90_500);
    const parts = line.split('; ');
    assert.equal(parts[0], `${SESSION_COOKIE}=tok`);
    for (const flag of ['Path=/', 'Max-Age=90', 'HttpOnly', 'Secure', 'SameSite=Strict']) {
      assert.ok(parts.includes(flag), `${flag} in ${line}`);
    }
    assert.ok(!/Domain=/i.test(line), 'host-only: no Domain');
  });

  test('clearing expires the cookie with the same attributes', () => {
    const line = clearedSessionCookie();
    assert.match(line, /^perisai_session=; /);
    assert.match(line, /Max-Age=0/);
    assert.match(line, /HttpOnly; Secure; SameSite=Strict/);
  });
});
