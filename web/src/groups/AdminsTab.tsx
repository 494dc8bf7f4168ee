import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { useCan } from '../session.tsx';
import type { GroupDetail } from '../types.ts';
import { fullName } from '../users/labels.ts';
import { AddPeopleDialog } from './AddPeopleDialog.tsx';
import { AssignedTab } from './AssignedTab.tsx';
import { groupPath } from './labels.ts';

type Admin = GroupDetail['admins'][number];

interface AdminsTabProps {
  group: GroupDetail;
  /** After a change: the group as the server answered it, and what to tell the admin. */
  onSaved: (group: GroupDetail, message: string) => void;
  onError: (error: unknown) => void;
}

/** A group's admins (they manage its members): add up to 10 at a time, remove. */
export function AdminsTab({ group, onSaved, onError }: AdminsTabProps) {
  const { t } = useTranslation();
  const can = useCan();
  const [adding, setAdding] = useState(false);

  const remove = (admin: Admin) => {
    api
      .delete<GroupDetail>(`${groupPath(group.id)}/admins/${encodeURIComponent(admin.id)}`)
      .then((answer) => onSaved(answer, t('groups.admins.removed', { email: admin.email })))
      .catch((caught: unknown) => onError(caught));
  };

  return (
    <AssignedTab<Admin, 'name' | 'email'>
      intro={t('groups.admins.intro')}
      label={t('groups.tabs.admins')}
      testId="group-admins-table"
      empty={t('groups.admins.empty')}
      items={group.admins}
      columns={[
        { key: 'name', name: t('users.column.name'), width: '1.5fr' },
        { key: 'email', name: t('users.column.email'), width: '2fr' },
      ]}
      cell={(admin, key) =>
        key === 'name' ? (
          <span data-column="name">{fullName(admin) ?? '—'}</span>
        ) : (
          <span data-column="email">{admin.email}</span>
        )
      }
      cellText={(admin, key) => (key === 'name' ? (fullName(admin) ?? '') : admin.email)}
      change={
        can('adminRole.assign')
          ? {
              label: t('groups.admins.add.button'),
              testId: 'group-admins-add',
              onPress: () => setAdding(true),
              remove: {
                label: t('groups.admins.remove'),
                ariaLabel: (admin) => t('groups.admins.removeNamed', { email: admin.email }),
                title: t('groups.admins.removeTitle'),
                text: (admin) => t('groups.admins.removeText', { email: admin.email, name: group.name }),
                testId: 'group-admin-remove',
                width: 140,
                onConfirm: remove,
              },
            }
          : null
      }
      onDismiss={() => setAdding(false)}
      dialog={
        adding && (
          <AddPeopleDialog
            groupId={group.id}
            groupName={group.name}
            kind="admins"
            allowNew
            excludeIds={new Set(group.admins.map((admin) => admin.id))}
            onSaved={(result, answer) => {
              if (answer) {
                onSaved(answer, t('groups.admins.added', { n: result.added }));
              }
            }}
          />
        )
      }
    />
  );
}
