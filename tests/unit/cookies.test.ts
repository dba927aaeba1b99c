import { describe, expect, it } from 'vitest';
import { parseCookies } from '../../server/http/cookies';
import { decodePathPart, requestUrl } from '../../server/http/requestUrl';

describe('request parsing that never throws', () => {
  it('keeps a malformed cookie value as written and reads the others', () => {
    const cookies = parseCookies('x=%ZZ; spade_uid=abc.def; name=J%C3%BCrg; =nameless; flag');
    expect(cookies.get('x')).toBe('%ZZ');
    expect(cookies.get('spade_uid')).toBe('abc.def');
    expect(cookies.get('name')).toBe('Jürg');
    expect([...cookies.keys()]).toEqual(['x', 'spade_uid', 'name']);
    expect(parseCookies(undefined).size).toBe(0);
    // The later value of a name wins (Identity.ensure appends the cookie it just issued).
    expect(parseCookies('a=1; a=2').get('a')).toBe('2');
  });

  it('answers null for request targets and path parts it cannot decode', () => {
    expect(requestUrl({ url: '//' })).toBeNull();
    expect(requestUrl({ url: '/yjs/%ZZ?x=1' })?.pathname).toBe('/yjs/%ZZ');
    expect(decodePathPart('%ZZ')).toBeNull();
    expect(decodePathPart('a%20b')).toBe('a b');
  });
});
