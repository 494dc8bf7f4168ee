import { type ListedUser, sortKeyOf, type UserSort } from '../../src/users/users.queries.ts';

/**
 * The users list's order computed in the process (its sort key, then the id; `-` descending), for
 * tests that check every page of a list against the users filtered in full.
 * @returns the ids of `users` in the list's order
 */
export function inListOrder(users: ListedUser[], sort: UserSort): string[] {
  const key = (user: ListedUser) => [...sortKeyOf(user, sort), user.id];
  const compare = (a: ListedUser, b: ListedUser) => {
    const [x, y] = [key(a), key(b)];
    for (let index = 0; index < x.length; index++) {
      const order = (x[index] ?? '') < (y[index] ?? '') ? -1 : (x[index] ?? '') > (y[index] ?? '') ? 1 : 0;
      if (order !== 0) {
        return sort.startsWith('-') ? -order : order;
      }
    }
    return 0;
  };
  return [...users].sort(compare).map((user) => user.id);
}
