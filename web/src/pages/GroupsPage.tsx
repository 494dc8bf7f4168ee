import { Button, DialogContainer, SearchField, type Selection, useNumberFormatter } from '@adobe/react-spectrum';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router';
import { GROUP_SORTS, type GroupSort, LIMITS } from '../../../shared/contracts.ts';
import { queryString } from '../api.ts';
import { type ItemsColumn, TextCell } from '../components/ItemsTable.tsx';
import { ListPage } from '../components/ListPage.tsx';
import { NoAccess } from '../components/NoAccess.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { useAddressState } from '../components/useAddressState.ts';
import { usePagedList } from '../components/usePagedList.ts';
import { CreateGroupDialog } from '../groups/CreateGroupDialog.tsx';
import { DeleteGroupsDialog } from '../groups/DeleteGroupsDialog.tsx';
import { useCountText } from '../overview/useCountText.ts';
import { useCan } from '../session.tsx';
import type { Group } from '../types.ts';
import { useDebounced } from '../users/useDebounced.ts';

const ROW_HEIGHT = 41;

type ColumnKey = 'name' | 'description' | 'members' | 'profiles' | 'admins';
type DialogState = 'create' | 'delete' | null;

/** The list's view in the address: its search and its order (A to Z unless `sort=-name`). */
interface GroupsView {
  search: string;
  sort: GroupSort;
}
const readView = (params: URLSearchParams): GroupsView => ({
  search: params.get('search') ?? '',
  sort: GROUP_SORTS.find((sort) => sort === params.get('sort')) ?? 'name',
});
const writeView = (view: GroupsView) =>
  new URLSearchParams({
    ...(view.search.trim() ? { search: view.search } : {}),
    ...(view.sort === 'name' ? {} : { sort: view.sort }),
  });

/** The organization's user groups: search (kept in the address), paged table, create, delete one or many. */
export function GroupsPage() {
  const { t } = useTranslation();
  const countText = useCountText();
  const can = useCan();
  const navigate = useNavigate();
  const location = useLocation();
  const formatNumber = useNumberFormatter();
  const [view, setView] = useAddressState(readView, writeView);
  const searchText = view.search;
  const setSearchText = (search: string) => setView((current) => ({ ...current, search }));
  const search = useDebounced(searchText.trim(), 300);
  const [selected, setSelected] = useState<Selection>(new Set());
  const [dialog, setDialog] = useState<DialogState>(null);
  const deletedName = (location.state as { deleted?: unknown } | null)?.deleted;
  const [notice, setNotice] = useState<string | null>(
    typeof deletedName === 'string' ? t('groups.delete.deletedOne', { name: deletedName }) : null,
  );
  const canRead = can('group.read');
  const canManage = can('group.manage');
  const sort = view.sort === 'name' ? undefined : view.sort;
  const list = usePagedList<Group>(canRead ? `/api/v1/groups${queryString({ search, sort })}` : null, {
    onFirstPage: () => setSelected(new Set()),
  });

  if (!canRead) {
    return (
      <>
        <PageTitle>{t('nav.groups')}</PageTitle>
        <NoAccess text={t('groups.noAccess')} />
      </>
    );
  }

  const selectedIds = selected === 'all' ? list.items.map((group) => group.id) : [...selected].map(String);

  const columns: ItemsColumn<ColumnKey>[] = [
    // The API sorts by name only (A to Z or Z to A).
    { key: 'name', name: t('groups.column.name'), width: '2fr', sortable: true },
    { key: 'description', name: t('groups.column.description'), width: '3fr' },
    { key: 'members', name: t('groups.column.members'), width: 130 },
    { key: 'profiles', name: t('groups.column.profiles'), width: 130 },
    { key: 'admins', name: t('groups.column.admins'), width: 130 },
  ];

  const cellText = (group: Group, key: ColumnKey): string => {
    switch (key) {
      case 'name':
        return group.name;
      case 'description':
        return group.description ?? '';
      case 'members':
        return formatNumber.format(group.membersCount);
      case 'profiles':
        return formatNumber.format(group.profilesCount);
      case 'admins':
        return formatNumber.format(group.adminsCount);
    }
  };

  const cell = (group: Group, key: ColumnKey): ReactNode => {
    const text = cellText(group, key);
    return <TextCell text={text} column={key} />;
  };

  const changed = (message: string) => {
    setNotice(message);
    list.reload();
  };

  return (
    <ListPage
      title={t('nav.groups')}
      testId="groups"
      toolbar={
        <SearchField
          label={t('groups.search')}
          description={t('groups.searchHint')}
          value={searchText}
          onChange={setSearchText}
          maxLength={LIMITS.nameMax}
          width="size-4600"
          data-testid="groups-search"
        />
      }
      actions={
        canManage && (
          <>
            <Button variant="accent" onPress={() => setDialog('create')} data-testid="groups-create">
              {t('groups.create.button')}
            </Button>
            <Button
              variant="negative"
              isDisabled={selectedIds.length === 0}
              onPress={() => setDialog('delete')}
              data-testid="groups-delete"
            >
              {selectedIds.length > 0
                ? t('groups.delete.buttonCount', { n: selectedIds.length })
                : t('groups.delete.action')}
            </Button>
          </>
        )
      }
      notice={notice}
      onNoticeDismiss={() => setNotice(null)}
      loadFailedText={t('groups.loadFailed')}
      emptyText={search ? t('groups.noMatch') : t('groups.empty')}
      shownText={
        list.total
          ? t('groups.shownOf', { n: list.items.length, total: countText(list.total) })
          : t('groups.shown', { n: list.items.length })
      }
      loadMoreText={t('users.loadMore')}
      list={list}
      columns={columns}
      table={{
        selectionMode: canManage ? 'multiple' : 'none',
        selectedKeys: selected,
        onSelectionChange: setSelected,
        onAction: (key) => navigate(`/groups/${encodeURIComponent(String(key))}`),
        sortDescriptor: { column: 'name', direction: view.sort === '-name' ? 'descending' : 'ascending' },
        onSortChange: (descriptor) =>
          setView((current) => ({ ...current, sort: descriptor.direction === 'descending' ? '-name' : 'name' })),
        itemKey: (group) => group.id,
        cell,
        cellText,
        rowHeight: ROW_HEIGHT,
      }}
    >
      <DialogContainer onDismiss={() => setDialog(null)}>
        {dialog === 'create' && (
          <CreateGroupDialog onCreated={(group) => navigate(`/groups/${encodeURIComponent(group.id)}`)} />
        )}
        {dialog === 'delete' && (
          <DeleteGroupsDialog
            groupIds={selectedIds}
            onDeleted={(count) => changed(t('groups.delete.deleted', { n: count }))}
          />
        )}
      </DialogContainer>
    </ListPage>
  );
}
