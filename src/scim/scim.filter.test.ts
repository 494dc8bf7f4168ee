import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScimError } from './scim.errors.ts';
import { type Filter, parseFilter, parsePatchPath } from './scim.filter.ts';
import { applyPatch, type Doc } from './scim.patch.ts';
import { USER_SCHEMAS } from './scim.users.ts';

/** Writes a filter tree back compactly, to compare parses. */
function show(filter: Filter): string {
  const path = (p: { uri: string | null; name: string; sub: string | null }) =>
    `${p.uri ? `${p.uri}:` : ''}${p.name}${p.sub ? `.${p.sub}` : ''}`;
  switch (filter.kind) {
    case 'and':
    case 'or':
      return `(${show(filter.left)} ${filter.kind} ${show(filter.right)})`;
    case 'not':
      return `not(${show(filter.filter)})`;
    case 'present':
      return `${path(filter.path)} pr`;
    case 'valuePath':
      return `${path(filter.path)}[${show(filter.filter)}]`;
    default:
      return `${path(filter.path)} ${filter.op} ${JSON.stringify(filter.value)}`;
  }
}

function rejects(input: string, scimType = 'invalidFilter') {
  assert.throws(
    () => parseFilter(input),
    (error: unknown) => error instanceof ScimError && error.status === 400 && error.scimType === scimType,
    input,
  );
}

describe('SCIM filter parser (RFC 7644 §3.4.2.2)', () => {
  test('the RFC examples parse', () => {
    const examples: [string, string][] = [
      ['userName Eq "john"', 'userName eq "john"'],
      ['name.familyName co "O\'Malley"', 'name.familyName co "O\'Malley"'],
      ['userName sw "J"', 'userName sw "J"'],
      [
        'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"',
        'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"',
      ],
      ['title pr', 'title pr'],
      ['meta.lastModified gt "2011-05-13T04:42:34Z"', 'meta.lastModified gt "2011-05-13T04:42:34Z"'],
      ['title pr and userType eq "Employee"', '(title pr and userType eq "Employee")'],
      ['title pr or userType eq "Intern"', '(title pr or userType eq "Intern")'],
      [
        'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"',
        'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"',
      ],
      [
        'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
        '(userType eq "Employee" and (emails co "example.com" or emails.value co "example.org"))',
      ],
      [
        'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
        '(userType ne "Employee" and not((emails co "example.com" or emails.value co "example.org")))',
      ],
      [
        'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
        '(userType eq "Employee" and emails[(type eq "work" and value co "@example.com")])',
      ],
      [
        'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
        '(emails[(type eq "work" and value co "@example.com")] or ims[(type eq "xmpp" and value co "@foo.com")])',
      ],
    ];
    for (const [input, expected] of examples) {
      assert.equal(show(parseFilter(input)), expected, input);
    }
  });

  test('precedence: and binds tighter than or; not needs brackets; values of every type', () => {
    assert.equal(show(parseFilter('a eq 1 or b eq 2 and c eq 3')), '(a eq 1 or (b eq 2 and c eq 3))');
    assert.equal(show(parseFilter('(a eq 1 or b eq 2) and c eq 3')), '((a eq 1 or b eq 2) and c eq 3)');
    assert.equal(
      show(parseFilter('a eq true and b eq False and c eq null and d ge -1.5e2')),
      '(((a eq true and b eq false) and c eq null) and d ge -150)',
    );
    assert.equal(show(parseFilter('a eq "q\\"u\\\\o\\u00e9"')), 'a eq "q\\"u\\\\oé"');
    assert.equal(
      show(parseFilter('emails[type eq "work"].value eq "x@y"')),
      'emails[(type eq "work" and value eq "x@y")]',
    );
    assert.equal(show(parseFilter('  userName   EQ  "a"  ')), 'userName eq "a"');
  });

  test('malformed filters are invalidFilter with the position', () => {
    for (const input of [
      '',
      'userName',
      'userName eq',
      'userName xx "a"',
      '(a eq "1"',
      'a eq "1" and',
      'a eq "1")',
      'not a eq "1"',
      'a eq "unterminated',
      'a eq bare',
      'a[b eq "1"',
      '1a eq "x"',
      'a.b.c eq "x"',
      'a eq "1" b eq "2"',
    ]) {
      rejects(input);
    }
    rejects('a eq "x"'.repeat(1000));
    rejects(`${'('.repeat(100)}a pr${')'.repeat(100)}`);
    assert.throws(() => parseFilter('userName xx "a"'), /character 10/);
  });

  test('PATCH paths', () => {
    assert.deepEqual(parsePatchPath('name.givenName'), {
      path: { uri: null, name: 'name', sub: 'givenName' },
      filter: null,
      sub: null,
    });
    const emails = parsePatchPath('emails[type eq "work"].value');
    assert.equal(emails.sub, 'value');
    assert.equal(show(emails.filter as Filter), 'type eq "work"');
    const members = parsePatchPath('members[value eq "2819c223-7f76-453a-919d-413861904646"]');
    assert.equal(members.path.name, 'members');
    assert.deepEqual(parsePatchPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager').path, {
      uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      name: 'manager',
      sub: null,
    });
    for (const input of [
      '',
      'a b',
      'emails[type eq "work"] x',
      'name.givenName[type eq "x"]',
      'emails[type eq "work"].',
    ]) {
      assert.throws(
        () => parsePatchPath(input),
        (error: unknown) => error instanceof ScimError && error.status === 400,
        input,
      );
    }
  });
});

describe('SCIM PATCH on a document (RFC 7644 §3.5.2)', () => {
  const doc: Doc = {
    userName: 'a@example.com',
    name: { givenName: 'A', familyName: 'B' },
    emails: [{ value: 'a@example.com', type: 'work', primary: true }],
    active: true,
  };

  test('add, replace and remove with and without paths and filters', () => {
    const result = applyPatch(USER_SCHEMAS, doc, [
      { op: 'replace', path: 'NAME.GIVENNAME', value: 'Z' },
      { op: 'add', path: 'addresses[type eq "work"].country', value: 'PL' },
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'new@example.com' },
      { op: 'replace', value: { active: 'False', 'name.familyName': 'Y', nickName: 'ignored' } },
      { op: 'add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'R&D' },
    ]);
    assert.deepEqual(result, {
      userName: 'a@example.com',
      name: { givenName: 'Z', familyName: 'Y' },
      emails: [{ value: 'new@example.com', type: 'work', primary: true }],
      active: false,
      addresses: [{ type: 'work', country: 'PL' }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D' },
    });
    assert.deepEqual(doc.name, { givenName: 'A', familyName: 'B' }, 'the input is not changed');
    const removed = applyPatch(USER_SCHEMAS, result, [
      { op: 'remove', path: 'addresses[type eq "work"]' },
      { op: 'remove', path: 'name.familyName' },
    ]);
    assert.deepEqual([removed.addresses, removed.name], [[], { givenName: 'Z' }]);
  });

  test('errors: noTarget, mutability, invalidPath', () => {
    const fails = (operation: { op: 'add' | 'remove' | 'replace'; path?: string; value?: unknown }, scimType: string) =>
      assert.throws(
        () => applyPatch(USER_SCHEMAS, doc, [operation]),
        (error: unknown) => error instanceof ScimError && error.scimType === scimType,
        JSON.stringify(operation),
      );
    fails({ op: 'remove', path: 'emails[type eq "home"]' }, 'noTarget');
    fails({ op: 'replace', path: 'emails[type eq "home"]', value: { value: 'x' } }, 'noTarget');
    fails({ op: 'remove' }, 'noTarget');
    fails({ op: 'replace', path: 'meta.created', value: 'x' }, 'mutability');
    fails({ op: 'replace', path: 'urn:example:unknown:attr', value: 'x' }, 'invalidPath');
    fails({ op: 'replace', path: 'name.middle', value: 'x' }, 'invalidPath');
    fails({ op: 'replace', path: 'userName[type eq "x"]', value: 'x' }, 'invalidPath');
    fails({ op: 'replace', value: 'not an object' }, 'invalidValue');
  });
});
