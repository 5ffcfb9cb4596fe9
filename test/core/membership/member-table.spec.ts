import { describe, expect, it } from 'vitest';
import { type ClusterEvent, EventBus } from '../../../src/core/events.js';
import { MemberTable } from '../../../src/core/membership/member-table.js';

describe('MemberTable', () => {
  it('forgets a record with a version bump and a `members` event; never self', () => {
    const bus = new EventBus();
    const events: ClusterEvent[] = [];
    bus.subscribe((e) => events.push(e));
    const t = new MemberTable('a', 'a:1', bus);
    t.set({ ID: 'b', Address: 'b:1', State: 'dead', Incarnation: 2 });
    const v = t.membershipVersion;
    events.length = 0;

    expect(t.remove('b')).toBe(true);
    expect(t.get('b')).toBeUndefined();
    expect(t.membershipVersion).toBe(v + 1);
    expect(events).toEqual([{ type: 'members' }]);

    expect(t.remove('b')).toBe(false);
    expect(t.remove('a')).toBe(false);
    expect(t.membershipVersion).toBe(v + 1);
    expect(t.self().ID).toBe('a');
  });
});
