import { describe, expect, it } from 'vitest';
import { topologyView } from '../../src/cache/topology-view.js';
import type { MemberView } from '../../src/core/events.js';

/** `GET /v1/topology` from a membership view (docs/api.md §1.17). */
const m = (ID: string, State: MemberView['State'], ApiURL?: string): MemberView => ({ ID, Address: `${ID}.svc:7946`, State, Incarnation: 1, ...(ApiURL && { ApiURL }) });

describe('topologyView', () => {
  it('lists the ring members (alive, suspect) sorted by id with their URLs', () => {
    const view = topologyView(
      [m('c', 'suspect', 'https://c:8443'), m('a', 'alive', 'https://a:8443'), m('d', 'dead', 'https://d:8443'), m('e', 'leaving', 'https://e:8443')],
      'a',
      { replication: 2, vnodes: 16 },
    );
    expect(view).toEqual({
      replication: 2,
      virtualNodes: 16,
      hash: 'xxhash64',
      members: [{ id: 'a', url: 'https://a:8443', state: 'alive' }, { id: 'c', url: 'https://c:8443', state: 'suspect' }],
    });
  });

  it('shows a member without a URL by the default rule: its dist host, this node’s scheme and API port', () => {
    const view = topologyView([m('a', 'alive', 'https://a.svc:8443'), m('b', 'alive')], 'a', { replication: 3, vnodes: 64 });
    expect(view.members).toEqual([{ id: 'a', url: 'https://a.svc:8443', state: 'alive' }, { id: 'b', url: 'https://b.svc:8443', state: 'alive' }]);
  });

  it('a draining node is not on its own ring', () => {
    expect(topologyView([m('a', 'leaving', 'http://a:1'), m('b', 'alive', 'http://b:1')], 'a', { replication: 3, vnodes: 64 }).members.map((x) => x.id)).toEqual(['b']);
  });
});
