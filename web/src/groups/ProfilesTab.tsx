import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { useCan } from '../session.tsx';
import type { GroupDetail } from '../types.ts';
import { AssignedTab } from './AssignedTab.tsx';
import { AssignProfilesDialog, type AssignResult } from './AssignProfilesDialog.tsx';
import { groupPath } from './labels.ts';

type Profile = GroupDetail['profiles'][number];

interface ProfilesTabProps {
  group: GroupDetail;
  /** After an assignment: the server's answer (its warning, if any). */
  onAssigned: (result: AssignResult) => void;
  /** After an unassignment: what to tell the admin. */
  onChanged: (message: string) => void;
  onError: (error: unknown) => void;
}

/** The product profiles assigned to a group (every member has them): assign, unassign. */
export function ProfilesTab({ group, onAssigned, onChanged, onError }: ProfilesTabProps) {
  const { t } = useTranslation();
  const can = useCan();
  const [assigning, setAssigning] = useState(false);

  const unassign = (profile: Profile) => {
    api
      .delete(`${groupPath(group.id)}/profiles/${encodeURIComponent(profile.id)}`)
      .then(() => onChanged(t('groups.profiles.unassigned', { profile: profile.name })))
      .catch((caught: unknown) => onError(caught));
  };

  return (
    <AssignedTab<Profile, 'profile' | 'product'>
      intro={t('groups.profiles.intro')}
      label={t('groups.tabs.profiles')}
      testId="group-profiles-table"
      empty={t('groups.profiles.empty')}
      items={group.profiles}
      columns={[
        { key: 'profile', name: t('users.details.column.profile'), width: '2fr' },
        { key: 'product', name: t('users.details.column.product'), width: '2fr' },
      ]}
      cell={(profile, key) =>
        key === 'profile' ? (
          <span data-column="profile">{profile.name}</span>
        ) : (
          <span data-column="product">{profile.productName}</span>
        )
      }
      cellText={(profile, key) => (key === 'profile' ? profile.name : profile.productName)}
      change={
        can('profile.assign')
          ? {
              label: t('groups.profiles.assign'),
              testId: 'group-profiles-assign',
              onPress: () => setAssigning(true),
              remove: {
                label: t('groups.profiles.unassign'),
                ariaLabel: (profile) => t('groups.profiles.unassignNamed', { profile: profile.name }),
                title: t('groups.profiles.unassignTitle'),
                text: (profile) => t('groups.profiles.unassignText', { profile: profile.name, name: group.name }),
                testId: 'group-profile-unassign',
                width: 160,
                onConfirm: unassign,
              },
            }
          : null
      }
      onDismiss={() => setAssigning(false)}
      dialog={
        assigning && (
          <AssignProfilesDialog
            groupId={group.id}
            groupName={group.name}
            assignedIds={new Set(group.profiles.map((profile) => profile.id))}
            onAssigned={onAssigned}
          />
        )
      }
    />
  );
}
