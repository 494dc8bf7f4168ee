import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '../../test/support/client.ts';
import { startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import { connectIntegration, type UmapiConnection, type UmapiUserView } from '../../test/support/umapi.ts';

/**
 * Action batches of Adobe's User Management API, sent as the clients build them:
 * umapi-client `functional.py` UserAction.create / update / add_to_groups / remove_from_groups /
 * remove_from_organization and GroupAction.create / update / delete / add_to_products /
 * remove_from_products / add_users / remove_users, each `Action.wire_dict()` (the frame plus `do`),
 * posted by `connection.py` _execute_batch; user-sync `connector_umapi.py` ActionManager adds
 * `requestID` `action_<n>` and sends `createUserGroup` on its own first (`create_group`).
 * Answers are read as `_execute_batch` and `api.py` Action.report_command_error read them.
 */

async function claim(instance: TestInstance, domain: string, identityType: 'enterprise' | 'federated') {
  const db = instance.app.ctx.db;
  const directory = await db
    .insertInto('directories')
    .values({ organization_id: instance.organizationId, name: `${domain} directory`, identity_type: identityType })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('domains')
    .values({
      organization_id: instance.organizationId,
      directory_id: directory.id,
      name: domain,
      verification_token: 't',
      status: 'claimed',
      claimed_at: new Date(),
    })
    .execute();
}

interface UserDetail {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  country: string | null;
  identityType: string;
  status: string;
  groups: { name: string }[];
  profiles: { name: string; via: string }[];
}

let requestCounter = 0;
/** user-sync ActionManager.get_next_request_id. */
const requestID = () => `action_${++requestCounter}`;

describe('UMAPI: action batches', () => {
  let instance: TestInstance;
  let admin: Client;
  let umapi: UmapiConnection;
  let integrationId: string;

  async function userByEmail(email: string): Promise<UserDetail | undefined> {
    const list = await admin.get<{ items: { id: string; email: string }[] }>(
      `/api/v1/users?search=${encodeURIComponent(email)}&limit=10`,
    );
    const id = list.body.items.find((user) => user.email.toLowerCase() === email.toLowerCase())?.id;
    return id ? (await admin.get<UserDetail>(`/api/v1/users/${id}`)).body : undefined;
  }

  before(async () => {
    instance = await startTestInstance();
    admin = await instance.signIn();
    await claim(instance, 'acme.example', 'enterprise');
    await claim(instance, 'sso.example', 'federated');
    const product = await admin.post<{ id: string }>('/api/v1/products', { name: 'Acrobat Pro', licenseQuantity: 100 });
    await admin.post('/api/v1/product-profiles', { productId: product.body.id, name: 'Acrobat Default' });
    await admin.post('/api/v1/product-profiles', { productId: product.body.id, name: 'Shared' });
    const scarce = await admin.post<{ id: string }>('/api/v1/products', { name: 'Scarce', licenseQuantity: 1 });
    await admin.post('/api/v1/product-profiles', { productId: scarce.body.id, name: 'Scarce Profile' });
    await admin.post('/api/v1/groups', { name: 'Design Team' });
    await admin.post('/api/v1/groups', { name: 'shared' });
    const connected = await connectIntegration(admin, instance.baseUrl, { name: 'User Sync Tool' });
    umapi = connected.connection;
    integrationId = connected.id;
  });
  after(() => instance.close());

  test('UserAction.create (createEnterpriseID, ignoreIfAlreadyExists) + add_to_groups with lower-cased names', async () => {
    const answer = await umapi.actions([
      {
        user: 'ola@acme.example',
        requestID: requestID(),
        do: [
          {
            createEnterpriseID: {
              email: 'ola@acme.example',
              option: 'ignoreIfAlreadyExists',
              firstname: 'Ola',
              lastname: 'Nowak',
              country: 'PL',
            },
          },
          { add: { group: ['acrobat default', 'design team'] } },
        ],
      },
    ]);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { result: 'success', completed: 1, notCompleted: 0, completedInTestMode: 0 });
    const ola = await userByEmail('ola@acme.example');
    assert.equal(ola?.identityType, 'enterprise');
    assert.deepEqual([ola?.firstName, ola?.lastName, ola?.country], ['Ola', 'Nowak', 'PL']);
    assert.deepEqual(
      ola?.groups.map((group) => group.name),
      ['Design Team'],
    );
    assert.deepEqual(
      ola?.profiles.filter((profile) => profile.via === 'direct').map((profile) => profile.name),
      ['Acrobat Default'],
    );
    const audit = await admin.get<{ items: { action: string; actor: { type: string; label: string } | string }[] }>(
      `/api/v1/audit-events?target=${ola?.id}`,
    );
    assert.ok(audit.body.items.length >= 2);
    for (const event of audit.body.items) {
      assert.match(JSON.stringify(event.actor), /User Sync Tool/, 'audited with the integration as actor');
    }
    const welcome = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select('kind')
      .where('user_id', '=', ola?.id ?? '')
      .execute();
    assert.ok(
      welcome.some((message) => message.kind === 'welcome'),
      'the profile brings the welcome e-mail, as everywhere',
    );
  });

  test('the integration manages what it creates: users, groups and memberships show it as managedBy', async () => {
    const answer = await umapi.actions([
      { usergroup: 'Managed Team', requestID: requestID(), do: [{ createUserGroup: { description: 'From LDAP' } }] },
      ...['mia', 'max'].map((name) => ({
        user: `${name}@acme.example`,
        requestID: requestID(),
        do: [{ createEnterpriseID: { email: `${name}@acme.example` } }, { add: { group: ['managed team'] } }],
      })),
    ]);
    assert.deepEqual(answer.body, { result: 'success', completed: 3, notCompleted: 0, completedInTestMode: 0 });
    const managedBy = { type: 'umapi', id: integrationId, name: 'User Sync Tool' };
    const mia = await admin.get<{ id: string; managedBy: unknown }>(
      `/api/v1/users/${(await userByEmail('mia@acme.example'))?.id}`,
    );
    assert.deepEqual(mia.body.managedBy, managedBy);
    const groups = await admin.get<{ items: { id: string; name: string }[] }>('/api/v1/groups?search=Managed');
    const team = groups.body.items.find((group) => group.name === 'Managed Team');
    const group = await admin.get<{ managedBy: unknown; description: string }>(`/api/v1/groups/${team?.id}`);
    assert.deepEqual([group.body.managedBy, group.body.description], [managedBy, 'From LDAP']);
    const memberships = await instance.app.ctx.db
      .selectFrom('group_members')
      .select(['source_type', 'source_id'])
      .where('group_id', '=', team?.id ?? '')
      .execute();
    assert.deepEqual(
      memberships.map((row) => [row.source_type, row.source_id]),
      [
        ['umapi', integrationId],
        ['umapi', integrationId],
      ],
    );
  });

  test('remove_from_organization and delete work on users and groups made elsewhere, as on Adobe (the sync tool removes Adobe-only users)', async () => {
    const made = await admin.post('/api/v1/users', { users: [{ email: 'console-made@gmail.example' }] });
    assert.equal(made.status, 201, made.text);
    const group = await admin.post('/api/v1/groups', { name: 'Console Group' });
    assert.equal(group.status, 201, group.text);
    const answer = await umapi.actions([
      { user: 'console-made@gmail.example', useAdobeID: true, do: [{ removeFromOrg: { deleteAccount: false } }] },
      { usergroup: 'console group', do: [{ deleteUserGroup: {} }] },
    ]);
    assert.deepEqual(answer.body, { result: 'success', completed: 2, notCompleted: 0, completedInTestMode: 0 });
    assert.equal((await userByEmail('console-made@gmail.example'))?.status, 'removed');
    const groups = await admin.get<{ items: { name: string }[] }>('/api/v1/groups?search=Console');
    assert.deepEqual(groups.body.items, []);
  });

  test('a first-sync batch of new users with their groups: all created, in test mode nothing', async () => {
    const batch = ['one', 'two', 'three'].map((name) => ({
      user: `${name}@acme.example`,
      requestID: requestID(),
      do: [
        {
          createEnterpriseID: {
            email: `${name}@acme.example`,
            firstname: name,
            country: 'UD',
            option: 'ignoreIfAlreadyExists',
          },
        },
        { add: { group: ['acrobat default', 'design team'] } },
      ],
    }));
    const dry = await umapi.actions(batch, true);
    assert.deepEqual(dry.body, { result: 'success', completed: 0, notCompleted: 0, completedInTestMode: 3 });
    assert.equal(await userByEmail('two@acme.example'), undefined);
    const real = await umapi.actions(batch);
    assert.deepEqual(real.body, { result: 'success', completed: 3, notCompleted: 0, completedInTestMode: 0 });
    const two = await userByEmail('two@acme.example');
    assert.equal(two?.identityType, 'enterprise');
    assert.equal(two?.country, null, 'UD (undefined) leaves the country empty');
    assert.deepEqual(
      two?.groups.map((group) => group.name),
      ['Design Team'],
    );
    assert.ok(two?.profiles.some((profile) => profile.name === 'Acrobat Default' && profile.via === 'direct'));
    const again = await umapi.actions(batch);
    assert.equal(again.body.completed, 3, 'existing users with ignoreIfAlreadyExists: each action on its own');
  });

  test('identity types follow Usher: createFederatedID outside a Federated directory is an error with index, step and requestID', async () => {
    const id = requestID();
    const answer = await umapi.actions([
      {
        user: 'ok@sso.example',
        requestID: requestID(),
        do: [{ createFederatedID: { email: 'ok@sso.example', country: 'FI' } }],
      },
      { user: 'wrong@acme.example', requestID: id, do: [{ createFederatedID: { email: 'wrong@acme.example' } }] },
      { user: 'friend@gmail.example', useAdobeID: true, do: [{ addAdobeID: { email: 'friend@gmail.example' } }] },
      { user: 'nope@gmail.example', do: [{ createEnterpriseID: { email: 'nope@gmail.example' } }] },
    ]);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.result, 'partial');
    assert.equal(answer.body.completed, 2);
    assert.equal(answer.body.notCompleted, 2);
    assert.deepEqual(
      answer.body.errors?.map((error) => [error.index, error.step, error.requestID, error.errorCode]),
      [
        [1, 0, id, 'error.user.identity_type'],
        [3, 0, undefined, 'error.user.identity_type'],
      ],
    );
    assert.match(answer.body.errors?.[0]?.message ?? '', /acme\.example is not claimed by a Federated ID directory/);
    assert.match(answer.body.errors?.[1]?.message ?? '', /or use addAdobeID/);
    assert.equal((await userByEmail('ok@sso.example'))?.identityType, 'federated');
    assert.equal((await userByEmail('friend@gmail.example'))?.identityType, 'personal');
    assert.equal(await userByEmail('wrong@acme.example'), undefined);
  });

  test('create options: absent is an error when the user exists; updateIfAlreadyExists updates; ignore leaves it', async () => {
    const exists = await umapi.actions([
      { user: 'ola@acme.example', do: [{ createEnterpriseID: { email: 'ola@acme.example', firstname: 'X' } }] },
    ]);
    assert.equal(exists.body.errors?.[0]?.errorCode, 'error.user.already_exists');
    await umapi.actions([
      {
        user: 'ola@acme.example',
        do: [
          { createEnterpriseID: { email: 'ola@acme.example', firstname: 'Ignored', option: 'ignoreIfAlreadyExists' } },
        ],
      },
    ]);
    assert.equal((await userByEmail('ola@acme.example'))?.firstName, 'Ola');
    const updated = await umapi.actions([
      {
        user: 'ola@acme.example',
        do: [
          {
            createEnterpriseID: { email: 'ola@acme.example', firstname: 'Aleksandra', option: 'updateIfAlreadyExists' },
          },
        ],
      },
    ]);
    assert.equal(updated.body.completed, 1);
    assert.equal((await userByEmail('ola@acme.example'))?.firstName, 'Aleksandra');
  });

  test("UserAction.update: names, country and an Enterprise or Federated ID's username; a Personal ID's username is its e-mail", async () => {
    const answer = await umapi.actions([
      { user: 'OLA@acme.example', do: [{ update: { firstname: 'Ola', lastname: 'Kowalska', country: 'CZ' } }] },
      {
        user: 'pat@gmail.example',
        useAdobeID: true,
        do: [
          { addAdobeID: { email: 'pat@gmail.example', option: 'ignoreIfAlreadyExists' } },
          { update: { username: 'pat' } },
        ],
      },
      { user: 'ghost@acme.example', do: [{ update: { firstname: 'Nobody' } }] },
      // user-sync engine/umapi.py update_umapi_user: the directory's username changed.
      { user: 'ola@acme.example', do: [{ update: { username: 'ola.k' } }] },
    ]);
    assert.deepEqual(
      answer.body.errors?.map((error) => [error.index, error.step, error.errorCode]),
      [
        [1, 1, 'error.user.username_not_changeable'],
        [2, 0, 'error.user.nonexistent'],
      ],
    );
    const ola = await userByEmail('ola@acme.example');
    assert.deepEqual([ola?.firstName, ola?.lastName, ola?.country], ['Ola', 'Kowalska', 'CZ']);
    // functional.py UserQuery(connection, "ola.k", domain): a username that is not an e-mail, with its domain.
    const found = await umapi.call<{ user: UmapiUserView }>(
      `/organizations/${umapi.orgId}/users/ola.k?domain=acme.example`,
    );
    assert.equal(found.status, 200);
    assert.deepEqual([found.body.user.email, found.body.user.username], ['ola@acme.example', 'ola.k']);
    const back = await umapi.actions([
      { user: 'ola.k', domain: 'acme.example', do: [{ update: { username: 'ola@acme.example' } }] },
    ]);
    assert.equal(back.body.completed, 1);
    assert.equal((await umapi.user('ola@acme.example')).body.user.username, 'ola@acme.example');
  });

  test('UserAction("jdoe", "sso.example").create(email=…): a Federated ID whose username is not its e-mail, alone or in a first-sync batch', async () => {
    // user-sync engine/umapi.py create_umapi_commands_for_directory_user: Commands(username, domain).
    const create = (username: string, email: string) => ({
      user: username,
      domain: 'sso.example',
      requestID: requestID(),
      do: [
        {
          createFederatedID: {
            email,
            firstname: username,
            lastname: 'Doe',
            country: 'US',
            option: 'ignoreIfAlreadyExists',
          },
        },
        { add: { group: ['design team'] } },
      ],
    });
    const batch = await umapi.actions([
      create('jdoe', 'john.doe@sso.example'),
      create('asmith', 'anna.smith@sso.example'),
    ]);
    assert.deepEqual(batch.body, { result: 'success', completed: 2, notCompleted: 0, completedInTestMode: 0 });
    const alone = await umapi.actions([create('bkowal', 'b.kowal@sso.example')]);
    assert.equal(alone.body.completed, 1);
    for (const [username, email] of [
      ['jdoe', 'john.doe@sso.example'],
      ['asmith', 'anna.smith@sso.example'],
      ['bkowal', 'b.kowal@sso.example'],
    ] as const) {
      const found = await umapi.call<{ user: UmapiUserView }>(
        `/organizations/${umapi.orgId}/users/${username}?domain=sso.example`,
      );
      assert.equal(found.status, 200, username);
      assert.deepEqual(
        [found.body.user.email, found.body.user.username, found.body.user.type, found.body.user.groups],
        [email, username, 'federatedID', ['Design Team']],
      );
    }
    // The next run names the user the same way: found by username and domain, not created again.
    const again = await umapi.actions([
      { ...create('jdoe', 'john.doe@sso.example'), do: [{ remove: { group: ['design team'] } }] },
    ]);
    assert.equal(again.body.completed, 1);
    assert.deepEqual((await umapi.user('john.doe@sso.example')).body.user.groups, []);
    const listed = await umapi.users(0, { domain: 'sso.example' });
    assert.deepEqual(listed.body.users.map((user) => user.username).sort(), [
      'asmith',
      'bkowal',
      'jdoe',
      'ok@sso.example',
    ]);
  });

  test('createEnterpriseID on a user added by hand takes it over: managed by the integration from then on, audited', async () => {
    const made = await admin.post('/api/v1/users', { users: [{ email: 'hand@acme.example', firstName: 'Hand' }] });
    assert.equal(made.status, 201, made.text);
    const hand = await userByEmail('hand@acme.example');
    const before = await admin.get<{ managedBy: { type: string } }>(`/api/v1/users/${hand?.id}`);
    assert.equal(before.body.managedBy.type, 'console');
    const answer = await umapi.actions([
      {
        user: 'hand@acme.example',
        requestID: requestID(),
        do: [
          {
            createEnterpriseID: {
              email: 'hand@acme.example',
              firstname: 'From LDAP',
              option: 'ignoreIfAlreadyExists',
            },
          },
        ],
      },
    ]);
    assert.deepEqual(answer.body, { result: 'success', completed: 1, notCompleted: 0, completedInTestMode: 0 });
    const after = await admin.get<{ managedBy: unknown; firstName: string }>(`/api/v1/users/${hand?.id}`);
    assert.deepEqual(after.body.managedBy, { type: 'umapi', id: integrationId, name: 'User Sync Tool' });
    assert.equal(after.body.firstName, 'Hand', 'ignoreIfAlreadyExists leaves the details');
    const events = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select(['before', 'after'])
      .where('target_id', '=', hand?.id ?? '')
      .where('action', '=', 'user.update')
      .execute();
    assert.ok(
      events.some((event) => JSON.stringify(event.after).includes('"managedBy"')),
      'the change of source is audited',
    );
  });

  test('an action is all or nothing: a failing step undoes the earlier steps and reports its own step', async () => {
    const answer = await umapi.actions([
      {
        user: 'half@acme.example',
        requestID: requestID(),
        do: [
          { createEnterpriseID: { email: 'half@acme.example', option: 'ignoreIfAlreadyExists' } },
          { add: { group: ['Acrobat Default'] } },
          { add: { group: ['No Such Profile'] } },
        ],
      },
    ]);
    assert.equal(answer.body.result, 'error');
    assert.deepEqual(
      answer.body.errors?.map((error) => [error.index, error.step, error.errorCode]),
      [[0, 2, 'error.group.not_found']],
    );
    assert.equal(await userByEmail('half@acme.example'), undefined);
  });

  test('a name that is both a profile and a user group is an error naming both; admin groups are refused', async () => {
    const answer = await umapi.actions([
      { user: 'ola@acme.example', do: [{ add: { group: ['SHARED'] } }] },
      { user: 'ola@acme.example', do: [{ add: { group: ['_org_admin'] } }] },
    ]);
    assert.equal(answer.body.errors?.[0]?.errorCode, 'error.group.ambiguous');
    assert.match(answer.body.errors?.[0]?.message ?? '', /product profile "Shared" and the user group "shared"/);
    assert.equal(answer.body.errors?.[1]?.errorCode, 'error.group.admin_not_supported');
  });

  test('remove_from_groups: named groups, then "all"', async () => {
    await umapi.actions([{ user: 'ola@acme.example', do: [{ remove: { group: ['design team'] } }] }]);
    let ola = await userByEmail('ola@acme.example');
    assert.deepEqual(ola?.groups, []);
    assert.deepEqual(
      ola?.profiles.map((profile) => profile.name),
      ['Acrobat Default'],
    );
    const all = await umapi.actions([{ user: 'ola@acme.example', do: [{ remove: 'all' }] }]);
    assert.equal(all.body.completed, 1);
    ola = await userByEmail('ola@acme.example');
    assert.deepEqual(ola?.profiles, []);
  });

  test('licenses are counted as everywhere: past the seats the step fails with the service code', async () => {
    const answer = await umapi.actions([
      {
        user: 'a@acme.example',
        do: [{ createEnterpriseID: { email: 'a@acme.example' } }, { add: { group: ['scarce profile'] } }],
      },
      {
        user: 'b@acme.example',
        do: [{ createEnterpriseID: { email: 'b@acme.example' } }, { add: { group: ['scarce profile'] } }],
      },
    ]);
    assert.equal(answer.body.completed, 1);
    assert.deepEqual(
      answer.body.errors?.map((error) => [error.index, error.step, error.errorCode]),
      [[1, 1, 'error.licenses.insufficient']],
    );
    assert.equal(await userByEmail('b@acme.example'), undefined);
  });

  test('user-sync create_group then users joining it in the next actions: applied in array order', async () => {
    const answer = await umapi.actions([
      {
        usergroup: 'Sync Team',
        do: [
          {
            createUserGroup: {
              option: 'ignoreIfAlreadyExists',
              description: 'Automatically created by User Sync Tool',
            },
          },
        ],
      },
      {
        user: 'c@sso.example',
        do: [{ createFederatedID: { email: 'c@sso.example', country: 'FI' } }, { add: { group: ['sync team'] } }],
      },
    ]);
    assert.deepEqual(answer.body, { result: 'success', completed: 2, notCompleted: 0, completedInTestMode: 0 });
    assert.deepEqual(
      (await userByEmail('c@sso.example'))?.groups.map((group) => group.name),
      ['Sync Team'],
    );
  });

  test('GroupAction: add_to_products, add_users, remove_users, remove_from_products, update, delete', async () => {
    const steps = await umapi.actions([
      {
        usergroup: 'sync team',
        do: [
          { add: { productConfiguration: ['acrobat default'] } },
          { add: { user: ['ola@acme.example', 'friend@gmail.example'] } },
          { remove: { user: ['c@sso.example'] } },
        ],
      },
    ]);
    assert.equal(steps.body.completed, 1, JSON.stringify(steps.body));
    let ola = await userByEmail('ola@acme.example');
    assert.deepEqual(
      ola?.profiles.map((profile) => [profile.name, profile.via]),
      [['Acrobat Default', 'Sync Team']],
    );
    assert.deepEqual(await userByEmail('c@sso.example').then((user) => user?.groups), []);
    const more = await umapi.actions([
      {
        usergroup: 'Sync Team',
        do: [
          { remove: { productConfiguration: ['Acrobat Default'] } },
          { updateUserGroup: { name: 'Synced Team', description: 'renamed' } },
        ],
      },
      { usergroup: 'Synced Team', do: [{ deleteUserGroup: {} }] },
      { usergroup: 'Design Team', do: [{ createUserGroup: {} }] },
    ]);
    assert.equal(more.body.completed, 2);
    assert.deepEqual(
      more.body.errors?.map((error) => [error.index, error.errorCode]),
      [[2, 'error.group.already_exists']],
    );
    ola = await userByEmail('ola@acme.example');
    assert.deepEqual(ola?.groups, []);
    assert.deepEqual(ola?.profiles, []);
  });

  test('remove_from_organization: deleteAccount false removes (Directory users), true deletes', async () => {
    await umapi.actions([
      { user: 'gone@acme.example', do: [{ createEnterpriseID: { email: 'gone@acme.example' } }] },
      { user: 'erased@acme.example', do: [{ createEnterpriseID: { email: 'erased@acme.example' } }] },
    ]);
    const answer = await umapi.actions([
      { user: 'gone@acme.example', do: [{ removeFromOrg: { deleteAccount: false } }] },
      { user: 'erased@acme.example', do: [{ removeFromOrg: { deleteAccount: true } }] },
      { user: 'never@acme.example', do: [{ removeFromOrg: { deleteAccount: false } }] },
    ]);
    assert.equal(answer.body.completed, 2);
    assert.equal(answer.body.errors?.[0]?.errorCode, 'error.user.nonexistent');
    assert.equal((await userByEmail('gone@acme.example'))?.status, 'removed');
    assert.equal(await userByEmail('erased@acme.example'), undefined);
    const listed = await umapi.users(0);
    assert.ok(!listed.body.users.some((user) => user.email === 'gone@acme.example'), 'removed users leave the listing');
    const back = await umapi.actions([
      {
        user: 'gone@acme.example',
        do: [{ createEnterpriseID: { email: 'gone@acme.example', option: 'ignoreIfAlreadyExists' } }],
      },
    ]);
    assert.equal(back.body.completed, 1);
    assert.equal((await userByEmail('gone@acme.example'))?.status, 'active', 'creating a removed user restores it');
  });

  test('testOnly=true validates exactly as a real run and changes nothing', async () => {
    const batch = [
      {
        user: 'dry@acme.example',
        do: [{ createEnterpriseID: { email: 'dry@acme.example' } }, { add: { group: ['acrobat default'] } }],
      },
      { user: 'dry@acme.example', do: [{ add: { group: ['design team'] } }] },
      { user: 'dry2@acme.example', do: [{ createFederatedID: { email: 'dry2@acme.example' } }] },
      { usergroup: 'Dry Group', do: [{ createUserGroup: {} }] },
    ];
    const before = (await admin.get<{ items: unknown[] }>('/api/v1/audit-events?limit=500')).body.items.length;
    const dry = await umapi.actions(batch, true);
    assert.equal(dry.status, 200);
    assert.equal(dry.body.completed, 0);
    assert.equal(dry.body.completedInTestMode, 3, 'the second action sees the user the first created');
    assert.equal(dry.body.notCompleted, 1);
    assert.deepEqual(
      dry.body.errors?.map((error) => [error.index, error.step, error.errorCode]),
      [[2, 0, 'error.user.identity_type']],
    );
    assert.equal(await userByEmail('dry@acme.example'), undefined);
    const groups = await admin.get<{ items: { name: string }[] }>('/api/v1/groups?limit=100');
    assert.ok(!groups.body.items.some((group) => group.name === 'Dry Group'));
    const afterCount = (await admin.get<{ items: unknown[] }>('/api/v1/audit-events?limit=500')).body.items.length;
    assert.equal(afterCount, before, 'no audit event, no change');
    const real = await umapi.actions(batch);
    assert.deepEqual(
      [real.body.completed, real.body.notCompleted, real.body.errors?.map((error) => [error.index, error.step])],
      [3, 1, [[2, 0]]],
    );
  });

  test('malformed batches: more than 10 actions or not an array is a 400; a bad action is an error entry', async () => {
    const many = Array.from({ length: 11 }, (_, index) => ({ user: `m${index}@acme.example`, do: [] }));
    const tooMany = await umapi.actions(many);
    assert.equal(tooMany.status, 400);
    assert.match((tooMany.body as unknown as { message: string }).message, /at most 10/);
    const notArray = await umapi.call(`/action/${umapi.orgId}`, { user: 'x@acme.example', do: [] });
    assert.equal(notArray.status, 400);
    const answer = await umapi.actions([
      { user: 'ola@acme.example' },
      { user: 'ola@acme.example', do: [{ update: { firstname: 'Ola' } }, { frobnicate: {} }] },
      { user: 'ola@acme.example', usergroup: 'Design Team', do: [] },
      { user: 'ola@acme.example', do: [{ add: { group: [] } }] },
    ]);
    assert.deepEqual(
      answer.body.errors?.map((error) => [error.index, error.step, error.errorCode]),
      [
        [0, 0, 'error.command.malformed'],
        [1, 1, 'error.command.unknown'],
        [2, 0, 'error.command.malformed'],
        [3, 0, 'error.command.malformed'],
      ],
    );
  });

  test('the integration acts with its role: a support admin integration is refused per step, and the denial is audited', async () => {
    const support = (await connectIntegration(admin, instance.baseUrl, { name: 'Read only', role: 'support-admin' }))
      .connection;
    const read = await support.users(0);
    assert.equal(read.status, 200);
    const answer = await support.actions([
      { user: 'denied@acme.example', do: [{ createEnterpriseID: { email: 'denied@acme.example' } }] },
    ]);
    assert.equal(answer.body.errors?.[0]?.errorCode, 'error.auth.forbidden');
    assert.equal(await userByEmail('denied@acme.example'), undefined);
    const denied = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select(['actor_label', 'after'])
      .where('action', '=', 'authorization.denied')
      .where('actor_label', '=', 'Read only')
      .execute();
    assert.equal(denied.length, 1);
  });
});
