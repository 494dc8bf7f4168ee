/**
 * The role matrix: each admin role can do exactly what SPEC section 1 and the seed consoles give
 * it, and nothing more. The expected table is written out here by hand (not derived from
 * ROLE_PERMISSIONS), so a change to the permission table has to change this test too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_ROLES, type AdminRole } from '../../shared/roles.ts';
import {
  ADMIN_PASSWORD,
  createAdmin,
  createCatalog,
  startTestInstance,
  type TestInstance,
} from '../../test/support/instance.ts';
import { ACTIONS, type Action } from './permissions.ts';
import { type Actor, authorize, can, type Grant } from './policy.ts';

const EVERY_ADMIN: Action[] = ['console.signIn', 'self.update', 'organization.read', 'user.read'];

/** `action` → `all` | `scoped`, per role; anything absent is refused. */
const EXPECTED: Record<AdminRole, Partial<Record<Action, 'all' | 'scoped'>>> = {
  'system-admin': Object.fromEntries(ACTIONS.map((action) => [action, 'all'])),
  'product-admin': {
    ...Object.fromEntries(EVERY_ADMIN.map((action) => [action, 'all'])),
    'user.create': 'all',
    'product.read': 'scoped',
    'profile.read': 'scoped',
    'profile.manage': 'scoped',
    'profile.assign': 'scoped',
    'adminRole.read': 'all',
    'group.read': 'all',
    'group.members.addExisting': 'all',
    'device.read': 'all',
    'bulk.run': 'all',
  },
  'profile-admin': {
    ...Object.fromEntries(EVERY_ADMIN.map((action) => [action, 'all'])),
    'product.read': 'scoped',
    'profile.read': 'scoped',
    'profile.assign': 'scoped',
    'group.read': 'all',
  },
  'group-admin': {
    ...Object.fromEntries(EVERY_ADMIN.map((action) => [action, 'all'])),
    'group.read': 'scoped',
    'group.members.addExisting': 'scoped',
    'group.members.addNew': 'scoped',
    'group.members.remove': 'scoped',
    'group.members.grantProfiles': 'scoped',
    'bulk.run': 'scoped',
    'scim.provision': 'scoped',
  },
  'support-admin': {
    ...Object.fromEntries(EVERY_ADMIN.map((action) => [action, 'all'])),
    'domain.read': 'all',
    'group.read': 'all',
    'product.read': 'all',
    'profile.read': 'all',
    'adminRole.read': 'all',
    'device.read': 'all',
  },
  'deployment-admin': {
    ...Object.fromEntries(EVERY_ADMIN.map((action) => [action, 'all'])),
    'product.read': 'all',
    'device.read': 'all',
    'device.disconnect': 'all',
    'instructions.send': 'all',
  },
};

const SCOPE = { productId: 'p-1', profileId: 'f-1', groupId: 'g-1' };
const OUTSIDE = { productId: 'p-2', profileId: 'f-2', groupId: 'g-2' };

function actorWith(role: AdminRole): Actor {
  const grant: Grant = {
    role,
    productId: role === 'product-admin' ? SCOPE.productId : null,
    profileId: role === 'profile-admin' ? SCOPE.profileId : null,
    groupId: role === 'group-admin' ? SCOPE.groupId : null,
  };
  return { type: 'user', id: 'u', label: 'u', organizationId: 'o', grants: [grant], sourceIp: null, userAgent: null };
}

describe('role matrix (policy)', () => {
  for (const role of ADMIN_ROLES) {
    test(`${role}: exactly the expected actions, scoped ones only inside the scope`, () => {
      const actor = actorWith(role);
      for (const action of ACTIONS) {
        const expected = EXPECTED[role][action];
        assert.equal(can(actor, action, SCOPE), expected !== undefined, `${role} ${action} inside scope`);
        assert.equal(can(actor, action, OUTSIDE), expected === 'all', `${role} ${action} outside scope`);
        if (!expected) {
          assert.throws(() => authorize(actor, action, SCOPE), { code: 'auth.forbidden' });
        }
      }
    });
  }

  test('an admin with no role can do nothing; several grants add up', () => {
    const none: Actor = { ...actorWith('support-admin'), grants: [] };
    assert.ok(ACTIONS.every((action) => !can(none, action)));
    const both: Actor = {
      ...actorWith('group-admin'),
      grants: [...actorWith('group-admin').grants, ...actorWith('deployment-admin').grants],
    };
    assert.ok(can(both, 'group.members.remove', SCOPE) && can(both, 'device.disconnect'));
  });
});

describe('role matrix (HTTP, the endpoints that exist so far)', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startTestInstance();
  });
  after(() => instance.close());

  /** Endpoint → the roles that may call it; every other role must get 403. */
  const ENDPOINTS: { method: string; path: string; body?: unknown; allowed: AdminRole[] | 'all' }[] = [
    { method: 'GET', path: '/api/v1/auth/session', allowed: 'all' },
    { method: 'GET', path: '/api/v1/organization', allowed: 'all' },
    { method: 'PATCH', path: '/api/v1/me', body: { locale: 'cs' }, allowed: 'all' },
    { method: 'PATCH', path: '/api/v1/organization', body: { defaultLocale: 'en' }, allowed: ['system-admin'] },
    { method: 'GET', path: '/api/v1/api-tokens', allowed: ['system-admin'] },
    {
      method: 'POST',
      path: '/api/v1/api-tokens',
      body: { name: 'matrix', role: 'support-admin' },
      allowed: ['system-admin'],
    },
    { method: 'GET', path: '/api/v1/scim', allowed: ['system-admin'] },
    {
      method: 'POST',
      path: '/api/v1/scim/tokens',
      body: { name: 'matrix', password: ADMIN_PASSWORD },
      allowed: ['system-admin'],
    },
    { method: 'GET', path: '/api/v1/audit-events', allowed: ['system-admin'] },
    { method: 'GET', path: '/api/v1/audit-events.csv', allowed: ['system-admin'] },
    {
      method: 'GET',
      path: '/api/v1/products',
      allowed: ['system-admin', 'product-admin', 'profile-admin', 'support-admin', 'deployment-admin'],
    },
    {
      method: 'POST',
      path: '/api/v1/products',
      body: { name: 'matrix', licenseQuantity: 1 },
      allowed: ['system-admin'],
    },
    { method: 'GET', path: '/api/v1/users', allowed: 'all' },
    {
      method: 'GET',
      path: '/api/v1/groups',
      allowed: ['system-admin', 'product-admin', 'profile-admin', 'group-admin', 'support-admin'],
    },
    { method: 'POST', path: '/api/v1/groups', body: { name: 'matrix group' }, allowed: ['system-admin'] },
    {
      method: 'POST',
      path: '/api/v1/users/paste-preview',
      body: { text: 'a@example.com' },
      allowed: ['system-admin', 'product-admin'],
    },
    { method: 'GET', path: '/api/v1/outbox', allowed: ['system-admin'] },
    {
      method: 'POST',
      path: '/api/v1/users/send-instructions',
      body: { all: true },
      allowed: ['system-admin', 'deployment-admin'],
    },
    {
      method: 'GET',
      path: '/api/v1/product-profiles',
      allowed: ['system-admin', 'product-admin', 'profile-admin', 'support-admin'],
    },
    { method: 'GET', path: '/api/v1/bulk-operations', allowed: ['system-admin', 'product-admin', 'group-admin'] },
    { method: 'DELETE', path: '/api/v1/bulk-operations', allowed: ['system-admin', 'product-admin', 'group-admin'] },
    { method: 'GET', path: '/api/v1/csv-templates/add-users', allowed: 'all' },
    { method: 'GET', path: '/api/v1/csv-templates/edit-users?variant=current', allowed: 'all' },
    {
      method: 'GET',
      path: '/api/v1/csv-templates/edit-groups?variant=current',
      allowed: ['system-admin', 'product-admin', 'profile-admin', 'group-admin', 'support-admin'],
    },
  ];

  for (const role of ADMIN_ROLES) {
    test(`${role} through the API`, async () => {
      const catalog = await createCatalog(instance, instance.organizationId, role);
      const scope =
        role === 'product-admin'
          ? { productId: catalog.productId }
          : role === 'profile-admin'
            ? { profileId: catalog.profileId }
            : role === 'group-admin'
              ? { groupId: catalog.groupId }
              : {};
      const { email } = await createAdmin(instance, instance.organizationId, role, scope);
      const client = await instance.signIn(email);
      for (const endpoint of ENDPOINTS) {
        const response = await client.request(
          endpoint.method,
          endpoint.path,
          endpoint.body === undefined ? {} : { body: endpoint.body },
        );
        const allowed = endpoint.allowed === 'all' || endpoint.allowed.includes(role);
        if (allowed) {
          assert.ok(
            response.status < 300,
            `${role} ${endpoint.method} ${endpoint.path}: ${response.status} ${response.text}`,
          );
        } else {
          assert.equal(response.status, 403, `${role} ${endpoint.method} ${endpoint.path}`);
        }
      }
    });
  }
});
