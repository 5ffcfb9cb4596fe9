import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListKeysResponse as Page } from '../../src/cache/key-browser.controller.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { json, send } from '../support/http.js';
import { within } from '../support/poll.js';

describe('client API: key browser, owners, identity (docs/api.md §1.8–§1.13)', () => {
  let node: TestNode;
  const browse = async (query: string): Promise<Page> => {
    const r = await send(node.api, 'GET', `/v1/cache/keys?${query}`);
    expect(r.status, query).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    return json<Page>(r);
  };
  const putAll = async (keys: string[]) => {
    const body = JSON.stringify({ items: keys.map((key) => ({ key, value: 'v' })) });
    const r = await send(node.api, 'POST', '/v1/cache/batch/put', { body, headers: { 'content-length': Buffer.byteLength(body) } });
    expect(json<{ results: Array<{ stored: boolean }> }>(r).results.every((x) => x.stored)).toBe(true);
  };

  beforeAll(async () => {
    node = await startTestNode();
    const first = Array.from({ length: 25 }, (_, i) => `first-${String(i + 1).padStart(2, '0')}`);
    await putAll([...first.reverse(), 'second-1']);
  });
  afterAll(async () => {
    await node.stop();
  });

  it('I19: q=first-&limit=10 walks three pages of 25 distinct keys', async () => {
    const seen: string[] = [];
    const cursors: string[] = [];
    let cursor = '0';
    for (let page = 0; page < 5 && cursor !== ''; page++) {
      const p = await browse(`q=first-&limit=10&cursor=${cursor}`);
      expect(p.total_matched).toBe(25);
      expect(p.truncated).toBe(false);
      expect(p.node).toBe('node-test');
      expect('partial_nodes' in p).toBe(false);
      seen.push(...p.keys);
      cursor = p.next_cursor;
      cursors.push(cursor);
    }
    expect(cursors).toEqual(['10', '20', '']);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect(seen).toEqual([...seen].sort());
    expect(seen[0]).toBe('first-01');
    expect(seen.every((k) => k.startsWith('first-'))).toBe(true);
  });

  it('I19: max=10 → truncated, 10 keys', async () => {
    const p = await browse('q=first-&max=10');
    expect(p.truncated).toBe(true);
    expect(p.total_matched).toBe(10);
    expect(p.keys).toHaveLength(10);
    expect(p.keys[9]).toBe('first-10');
    expect(p.next_cursor).toBe('');
    const exact = await browse('q=first-&max=25');
    expect(exact.truncated).toBe(false);
    expect(exact.total_matched).toBe(25);
  });

  it('defaults: empty q matches every key, cursor past the end is an empty last page', async () => {
    const all = await browse('');
    expect(all.total_matched).toBe(26);
    expect(all.keys).toContain('second-1');
    const past = await browse('q=first-&cursor=1000');
    expect(past).toMatchObject({ keys: [], next_cursor: '', total_matched: 25 });
    expect((await browse('q=&limit=&cursor=&max=')).total_matched).toBe(26);
  });

  it('globs match whole keys; * crosses /, ? is one code point, classes and escapes work', async () => {
    await putAll(['users/1/profile', 'users/2/settings', 'users/10/profile', 'a*b', 'a?b', 'axb', 'k😀', 'kx', 'kxx']);
    expect((await browse(`q=${encodeURIComponent('users/*/profile')}`)).keys).toEqual(['users/1/profile', 'users/10/profile']);
    expect((await browse(`q=${encodeURIComponent('*profile')}`)).keys).toEqual(['users/1/profile', 'users/10/profile']);
    expect((await browse(`q=${encodeURIComponent('first-0[1-3]')}`)).keys).toEqual(['first-01', 'first-02', 'first-03']);
    expect((await browse(`q=${encodeURIComponent('first-2[!0-3]')}`)).keys).toEqual(['first-24', 'first-25']);
    expect((await browse(`q=${encodeURIComponent('first-2[^0-3]')}`)).keys).toEqual(['first-24', 'first-25']);
    expect((await browse(`q=${encodeURIComponent('k?')}`)).keys).toEqual(['kx', 'k😀']);
    expect((await browse(`q=${encodeURIComponent('a\\*b')}`)).keys).toEqual(['a*b']);
    expect((await browse(`q=${encodeURIComponent('a?b')}`)).keys).toEqual(['a*b', 'a?b', 'axb']);
    expect((await browse(`q=${encodeURIComponent('a\\?*')}`)).keys).toEqual(['a?b']);
    expect((await browse('q=second')).keys).toEqual(['second-1']);
    expect((await browse('q=irst')).keys).toEqual([]);
  });

  it('orders keys by UTF-8 bytes, not UTF-16 units', async () => {
    await putAll(['u8-\uE000', 'u8-😀', 'u8-z']);
    expect((await browse('q=u8-')).keys).toEqual(['u8-z', 'u8-\uE000', 'u8-😀']);
  });

  it('leaves out deleted and expired keys', async () => {
    await putAll(['gone-1', 'gone-2']);
    await send(node.api, 'DELETE', '/v1/cache/gone-1');
    await send(node.api, 'PUT', '/v1/cache/gone-3?ttl=1ms', { body: 'v', headers: { 'content-length': 1 } });
    let keys: string[] = [];
    await within('the deleted and expired keys to leave the listing', 2000, async () => (keys = (await browse('q=gone-')).keys).length <= 1).catch(() => undefined);
    expect(keys).toEqual(['gone-2']);
  });

  it('clamps limit to 500 and accepts a max over the clamp', async () => {
    await putAll(Array.from({ length: 600 }, (_, i) => `clamp-${String(i).padStart(3, '0')}`));
    const p = await browse('q=clamp-&limit=100000&max=99999999');
    expect(p.keys).toHaveLength(500);
    expect(p.next_cursor).toBe('500');
    expect(p.total_matched).toBe(600);
    expect((await browse('q=clamp-&limit=100000&cursor=500')).keys).toHaveLength(100);
  });

  it.each([
    ['cursor=-1', 'invalid cursor: must be a non-negative integer'],
    ['cursor=abc', 'invalid cursor: must be a non-negative integer'],
    ['cursor=1.5', 'invalid cursor: must be a non-negative integer'],
    ['limit=0', 'invalid limit: must be a positive integer'],
    ['limit=-5', 'invalid limit: must be a positive integer'],
    ['limit=ten', 'invalid limit: must be a positive integer'],
    ['max=0', 'invalid max: must be a positive integer'],
    ['max=1e3', 'invalid max: must be a positive integer'],
    ['q=k%5B', "invalid glob pattern: unclosed '['"],
    ['q=k%5B%5D', 'invalid glob pattern: empty character class'],
    ['q=k%5Bz-a%5D', "invalid glob pattern: reversed range 'z-a'"],
    ['q=k*%5C', 'invalid glob pattern: trailing backslash'],
    [`q=${'x'.repeat(1025)}`, 'invalid q: must be at most 1024 bytes'],
    ['page=x&limit=0', 'invalid limit: must be a positive integer'],
    ['limit=0&max=x', 'invalid max: must be a positive integer'], // syntax before range
    ['cursor=x&limit=0', 'invalid cursor: must be a non-negative integer'],
    ['limit=00&q=k%5B', 'invalid limit: must be a positive integer'], // range before the glob
  ])('%s → 400 %s', async (query, error) => {
    const r = await send(node.api, 'GET', `/v1/cache/keys?${query}`);
    expect(r.status).toBe(400);
    expect(json(r)).toEqual({ error, code: 'BAD_REQUEST' });
  });

  it('ignores unknown query parameters; a repeated one counts by its first value', async () => {
    await putAll(['ign-a', 'ign-b', 'ign-c']);
    expect(await browse('q=ign-&page=2&limit=2&sort=desc&q=zzz')).toMatchObject({ keys: ['ign-a', 'ign-b'], next_cursor: '2', total_matched: 3 });
  });

  it('a pattern of exactly 1024 bytes is accepted', async () => {
    expect((await browse(`q=${encodeURIComponent('é'.repeat(512))}`)).keys).toEqual([]);
    const over = await send(node.api, 'GET', `/v1/cache/keys?q=${encodeURIComponent(`${'é'.repeat(512)}x`)}`);
    expect(over.status).toBe(400);
  });

  describe('GET /v1/owners/{key}', () => {
    it('is a ring lookup, also for keys never written, with the decoded key', async () => {
      const r = await send(node.api, 'GET', '/v1/owners/never%2Fwritten');
      expect(r.status).toBe(200);
      expect(json(r)).toEqual({ key: 'never/written', owners: ['node-test'], node: 'node-test' });
      expect(json(await send(node.api, 'GET', '/v1/owners/keys')).key).toBe('keys');
    });

    it.each(['/v1/owners/', '/v1/owners/%E0%A4', `/v1/owners/${'o'.repeat(1025)}`])('%s → 400 invalid key', async (path) => {
      const r = await send(node.api, 'GET', path);
      expect(r.status).toBe(400);
      expect(json(r)).toEqual({ error: 'invalid key: must be 1 to 1024 bytes of UTF-8', code: 'BAD_REQUEST' });
    });
  });

  describe('GET /v1/me and /v1/me/can', () => {
    it('open mode: anonymous with every scope', async () => {
      const r = await send(node.api, 'GET', '/v1/me');
      expect(r.status).toBe(200);
      expect(json(r)).toEqual({ id: 'anonymous', scopes: ['read', 'write', 'admin'], capabilities: ['cache.read', 'cache.write', 'cache.admin'] });
    });

    it('answers each known capability', async () => {
      for (const capability of ['cache.read', 'cache.write', 'cache.admin']) {
        const r = await send(node.api, 'GET', `/v1/me/can?capability=${capability}`);
        expect(json(r)).toEqual({ capability, allowed: true });
      }
    });

    it.each([
      ['', "missing 'capability' query parameter"],
      ['?capability=', "missing 'capability' query parameter"],
      ['?other=cache.read', "missing 'capability' query parameter"],
      ['?capability=cache.delete', "unknown capability 'cache.delete'"],
      ['?capability=read', "unknown capability 'read'"],
    ])('/v1/me/can%s → 400', async (query, error) => {
      const r = await send(node.api, 'GET', `/v1/me/can${query}`);
      expect(r.status).toBe(400);
      expect(json(r)).toEqual({ error, code: 'BAD_REQUEST' });
    });

    it('ignores unknown query parameters; a repeated capability counts by its first value', async () => {
      const r = await send(node.api, 'GET', '/v1/me/can?other=1&capability=cache.write&capability=bogus');
      expect(r.status).toBe(200);
      expect(json(r)).toEqual({ capability: 'cache.write', allowed: true });
    });
  });
});
