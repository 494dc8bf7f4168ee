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
import { fullName } from '../users/labels.ts';
import { AddPeopleDialog } from './AddPeopleDialog.tsx';
import { groupPath } from './labels.ts';

const ROW_HEIGHT = 49;

type Admin = GroupDetail['admins'][number];
type ColumnKey = 'name' | 'email' | 'actions';

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
  const canAssign = can('adminRole.assign');

  const remove = (admin: Admin) => {
    api
      .delete<GroupDetail>(`${groupPath(group.id)}/admins/${encodeURIComponent(admin.id)}`)
      .then((answer) => onSaved(answer, t('groups.admins.removed', { email: admin.email })))
      .catch((caught: unknown) => onError(caught));
  };

  const columns: { key: ColumnKey; name: string; width: number | `${number}fr`; hideHeader?: boolean }[] = [
    { key: 'name', name: t('users.column.name'), width: '1.5fr' },
    { key: 'email', name: t('users.column.email'), width: '2fr' },
    ...(canAssign
      ? [{ key: 'actions' as const, name: t('products.column.actions'), width: 140, hideHeader: true }]
      : []),
  ];

  const cell = (admin: Admin, key: ColumnKey): ReactNode => {
    switch (key) {
      case 'name':
        return <span data-column="name">{fullName(admin) ?? '—'}</span>;
      case 'email':
        return <span data-column="email">{admin.email}</span>;
      case 'actions':
        return (
          <ConfirmButton
            isQuiet
            label={t('groups.admins.remove')}
            ariaLabel={t('groups.admins.removeNamed', { email: admin.email })}
            title={t('groups.admins.removeTitle')}
            text={t('groups.admins.removeText', { email: admin.email, name: group.name })}
            onConfirm={() => remove(admin)}
            testId="group-admin-remove"
          />
        );
    }
  };

  return (
    <Flex direction="column" gap="size-200">
      <Flex gap="size-150" wrap alignItems="center" justifyContent="space-between">
        <Text>{t('groups.admins.intro')}</Text>
        {canAssign && (
          <Button variant="accent" onPress={() => setAdding(true)} data-testid="group-admins-add">
            {t('groups.admins.add.button')}
          </Button>
        )}
      </Flex>
      <TableView
        aria-label={t('groups.tabs.admins')}
        data-testid="group-admins-table"
        height={tableHeight(group.admins.length, ROW_HEIGHT, 2)}
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading>{t('groups.admins.empty')}</Heading>
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
          {group.admins.map((admin) => (
            <Row key={admin.id}>
              {columns.map((column) => (
                <Cell
                  key={`${admin.id}:${column.key}`}
                  textValue={
                    column.key === 'email' ? admin.email : column.key === 'name' ? (fullName(admin) ?? '') : ''
                  }
                >
                  {cell(admin, column.key)}
                </Cell>
              ))}
            </Row>
          ))}
        </TableBody>
      </TableView>
      <DialogContainer onDismiss={() => setAdding(false)}>
        {adding && (
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
        )}
      </DialogContainer>
    </Flex>
  );
}
