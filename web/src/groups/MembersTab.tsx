import {
  Button,
  DialogContainer,
  Flex,
  Heading,
  IllustratedMessage,
  Link,
  SearchField,
  type Selection,
} from '@adobe/react-spectrum';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { LIMITS } from '../../../shared/contracts.ts';
import { api, queryString } from '../api.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import type { ItemsColumn } from '../components/ItemsTable.tsx';
import { PagedTable } from '../components/PagedTable.tsx';
import { usePagedList } from '../components/usePagedList.ts';
import { useCan } from '../session.tsx';
import type { GroupDetail, User } from '../types.ts';
import { useDebounced } from '../users/useDebounced.ts';
import { type UserColumn, useUserCells } from '../users/userCells.tsx';
import { AddPeopleDialog } from './AddPeopleDialog.tsx';
import { groupPath } from './labels.ts';

const ROW_HEIGHT = 41;

interface MembersTabProps {
  group: GroupDetail;
  /** After a change: the page shows the message and fetches the group again (its counts). */
  onChanged: (message: string) => void;
  onError: (error: unknown) => void;
}

/** A group's members: search, paged table, add (existing or new users), remove, export as CSV. */
export function MembersTab({ group, onChanged, onError }: MembersTabProps) {
  const { t } = useTranslation();
  const can = useCan();
  const navigate = useNavigate();
  const { cell, cellText } = useUserCells();
  const [searchText, setSearchText] = useState('');
  const search = useDebounced(searchText.trim(), 300);
  const [selected, setSelected] = useState<Selection>(new Set());
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState(false);
  const path = `${groupPath(group.id)}/members`;
  const list = usePagedList<User>(`${path}${queryString({ search })}`, {
    onFirstPage: () => setSelected(new Set()),
  });
  const { items } = list;

  const changed = (message: string) => {
    list.reload();
    onChanged(message);
  };

  const selectedIds = selected === 'all' ? items.map((user) => user.id) : [...selected].map(String);
  const canRemove = can('group.members.remove');
  const canAddExisting = can('group.members.addExisting');
  const canAddNew = can('group.members.addNew');

  const remove = () => {
    setRemoving(true);
    api
      .post<{ removed: number }>(`${path}/remove`, { userIds: selectedIds })
      .then((answer) => changed(t('groups.members.removed', { n: answer.removed })))
      .catch((caught: unknown) => onError(caught))
      .finally(() => setRemoving(false));
  };

  const columns: ItemsColumn<UserColumn>[] = [
    { key: 'name', name: t('users.column.name'), width: '1.5fr' },
    { key: 'email', name: t('users.column.email'), width: '2fr' },
    { key: 'identityType', name: t('users.column.identityType'), width: 150 },
    { key: 'status', name: t('users.column.status'), width: 200 },
  ];

  return (
    <Flex direction="column" gap="size-200">
      <Flex gap="size-150" wrap alignItems="end" justifyContent="space-between">
        <SearchField
          label={t('groups.members.search')}
          description={t('users.searchHint')}
          value={searchText}
          onChange={setSearchText}
          maxLength={LIMITS.emailMax}
          width="size-4600"
          data-testid="group-members-search"
        />
        <Flex gap="size-100" wrap alignItems="center">
          {(canAddExisting || canAddNew) && (
            <Button variant="accent" onPress={() => setAdding(true)} data-testid="group-members-add">
              {t('groups.members.add.button')}
            </Button>
          )}
          {canRemove && (
            <ConfirmButton
              label={
                selectedIds.length > 0
                  ? t('groups.members.removeCount', { n: selectedIds.length })
                  : t('groups.members.remove')
              }
              confirmLabel={t('groups.members.remove')}
              title={t('groups.members.removeTitle', { count: selectedIds.length })}
              text={t('groups.members.removeText', { name: group.name })}
              onConfirm={remove}
              isDisabled={selectedIds.length === 0}
              isPending={removing}
              testId="group-members-remove"
            />
          )}
          <Link href={`${path}.csv`} download data-testid="group-members-export">
            {t('groups.members.export')}
          </Link>
        </Flex>
      </Flex>
      <PagedTable
        aria-label={t('groups.tabs.users')}
        testId="group-members"
        overflowMode="truncate"
        selectionMode={canRemove ? 'multiple' : 'none'}
        selectedKeys={selected}
        onSelectionChange={setSelected}
        onAction={can('user.read') ? (key) => navigate(`/users/${encodeURIComponent(String(key))}`) : undefined}
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading level={2}>{search ? t('groups.members.noMatch') : t('groups.members.empty')}</Heading>
          </IllustratedMessage>
        )}
        columns={columns}
        items={items}
        itemKey={(user) => user.id}
        cell={cell}
        cellText={cellText}
        paging={{ loading: list.loading, hasMore: list.hasMore, onLoadMore: list.loadMore, error: list.error }}
        rowHeight={ROW_HEIGHT}
        maxHeight="60vh"
        loadFailedText={t('groups.members.loadFailed')}
        shownText={t('users.shown', { n: items.length })}
        loadMoreText={t('users.loadMore')}
      />
      <DialogContainer onDismiss={() => setAdding(false)}>
        {adding && (
          <AddPeopleDialog
            groupId={group.id}
            groupName={group.name}
            kind="members"
            allowNew={canAddNew}
            onSaved={(result) =>
              changed(t('groups.members.added', { added: result.added + result.created, created: result.created }))
            }
          />
        )}
      </DialogContainer>
    </Flex>
  );
}
