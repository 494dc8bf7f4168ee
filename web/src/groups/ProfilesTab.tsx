import {
  Button,
  Cell,
  Column,
  DialogContainer,
  Flex,
  Heading,
  IllustratedMessage,
  Row,
  TableBody,
  TableHeader,
  TableView,
  Text,
} from '@adobe/react-spectrum';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { tableHeight } from '../components/ItemsTable.tsx';
import { useCan } from '../session.tsx';
import type { GroupDetail } from '../types.ts';
import { AssignProfilesDialog, type AssignResult } from './AssignProfilesDialog.tsx';
import { groupPath } from './labels.ts';

const ROW_HEIGHT = 49;

type Profile = GroupDetail['profiles'][number];
type ColumnKey = 'profile' | 'product' | 'actions';

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
  const canAssign = can('profile.assign');

  const unassign = (profile: Profile) => {
    api
      .delete(`${groupPath(group.id)}/profiles/${encodeURIComponent(profile.id)}`)
      .then(() => onChanged(t('groups.profiles.unassigned', { profile: profile.name })))
      .catch((caught: unknown) => onError(caught));
  };

  const columns: { key: ColumnKey; name: string; width: number | `${number}fr`; hideHeader?: boolean }[] = [
    { key: 'profile', name: t('users.details.column.profile'), width: '2fr' },
    { key: 'product', name: t('users.details.column.product'), width: '2fr' },
    ...(canAssign
      ? [{ key: 'actions' as const, name: t('products.column.actions'), width: 160, hideHeader: true }]
      : []),
  ];

  const cell = (profile: Profile, key: ColumnKey): ReactNode => {
    switch (key) {
      case 'profile':
        return <span data-column="profile">{profile.name}</span>;
      case 'product':
        return <span data-column="product">{profile.productName}</span>;
      case 'actions':
        return (
          <ConfirmButton
            isQuiet
            label={t('groups.profiles.unassign')}
            ariaLabel={t('groups.profiles.unassignNamed', { profile: profile.name })}
            title={t('groups.profiles.unassignTitle')}
            text={t('groups.profiles.unassignText', { profile: profile.name, name: group.name })}
            onConfirm={() => unassign(profile)}
            testId="group-profile-unassign"
          />
        );
    }
  };

  return (
    <Flex direction="column" gap="size-200">
      <Flex gap="size-150" wrap alignItems="center" justifyContent="space-between">
        <Text>{t('groups.profiles.intro')}</Text>
        {canAssign && (
          <Button variant="accent" onPress={() => setAssigning(true)} data-testid="group-profiles-assign">
            {t('groups.profiles.assign')}
          </Button>
        )}
      </Flex>
      <TableView
        aria-label={t('groups.tabs.profiles')}
        data-testid="group-profiles-table"
        height={tableHeight(group.profiles.length, ROW_HEIGHT, 2)}
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading>{t('groups.profiles.empty')}</Heading>
          </IllustratedMessage>
        )}
      >
        <TableHeader columns={columns}>
          {(column) => (
            <Column key={column.key} width={column.width} hideHeader={column.hideHeader}>
              {column.name}
            </Column>
          )}
        </TableHeader>
        <TableBody>
          {group.profiles.map((profile) => (
            <Row key={profile.id}>
              {columns.map((column) => (
                <Cell
                  key={`${profile.id}:${column.key}`}
                  textValue={
                    column.key === 'profile' ? profile.name : column.key === 'product' ? profile.productName : ''
                  }
                >
                  {cell(profile, column.key)}
                </Cell>
              ))}
            </Row>
          ))}
        </TableBody>
      </TableView>
      <DialogContainer onDismiss={() => setAssigning(false)}>
        {assigning && (
          <AssignProfilesDialog
            groupId={group.id}
            groupName={group.name}
            assignedIds={new Set(group.profiles.map((profile) => profile.id))}
            onAssigned={onAssigned}
          />
        )}
      </DialogContainer>
    </Flex>
  );
}
