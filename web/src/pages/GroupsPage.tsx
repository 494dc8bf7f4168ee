import {
  Button,
  Content,
  DialogContainer,
  Flex,
  Heading,
  IllustratedMessage,
  InlineAlert,
  SearchField,
  type Selection,
  useNumberFormatter,
} from '@adobe/react-spectrum';
import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router';
import { LIMITS } from '../../../shared/contracts.ts';
import { api } from '../api.ts';
import { ItemsTable } from '../components/ItemsTable.tsx';
import { LoadMoreFooter } from '../components/LoadMoreFooter.tsx';
import { NoAccess } from '../components/NoAccess.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { errorMessage } from '../errors.ts';
import { CreateGroupDialog } from '../groups/CreateGroupDialog.tsx';
import { DeleteGroupsDialog } from '../groups/DeleteGroupsDialog.tsx';
import { useCan } from '../session.tsx';
import type { Group, Page } from '../types.ts';
import { useDebounced } from '../users/useDebounced.ts';

const ROW_HEIGHT = 41;

type ColumnKey = 'name' | 'description' | 'members' | 'profiles' | 'admins';
type DialogState = 'create' | 'delete' | null;

/** The organization's user groups: search, paged table, create, delete one or many. */
export function GroupsPage() {
  const { t } = useTranslation();
  const can = useCan();
  const navigate = useNavigate();
  const location = useLocation();
  const formatNumber = useNumberFormatter();
  const [searchText, setSearchText] = useState('');
  const search = useDebounced(searchText.trim(), 300);
  const [items, setItems] = useState<Group[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState<'first' | 'more' | null>('first');
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<Selection>(new Set());
  const [dialog, setDialog] = useState<DialogState>(null);
  const deletedName = (location.state as { deleted?: unknown } | null)?.deleted;
  const [notice, setNotice] = useState<string | null>(
    typeof deletedName === 'string' ? t('groups.delete.deletedOne', { name: deletedName }) : null,
  );
  const [version, setVersion] = useState(0);
  const generation = useRef(0);
  const canRead = can('group.read');
  const canManage = can('group.manage');

  const load = useCallback(async (term: string, cursor: string | null) => {
    const mine = cursor ? generation.current : ++generation.current;
    setLoading(cursor ? 'more' : 'first');
    setError(null);
    try {
      const params = new URLSearchParams({ limit: String(LIMITS.pageSizeDefault) });
      if (term) {
        params.set('search', term);
      }
      if (cursor) {
        params.set('cursor', cursor);
      }
      const page = await api.get<Page<Group>>(`/api/v1/groups?${params}`);
      if (mine !== generation.current) {
        return;
      }
      setItems((current) => (cursor ? [...current, ...page.items] : page.items));
      setNextCursor(page.nextCursor);
      if (!cursor) {
        setSelected(new Set());
      }
    } catch (caught) {
      if (mine === generation.current) {
        setError(caught);
      }
    } finally {
      if (mine === generation.current) {
        setLoading(null);
      }
    }
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` asks for a reload after a change.
  useEffect(() => {
    if (canRead) {
      void load(search, null);
    }
  }, [search, load, version, canRead]);

  if (!canRead) {
    return (
      <>
        <PageTitle>{t('nav.groups')}</PageTitle>
        <NoAccess text={t('groups.noAccess')} />
      </>
    );
  }

  const selectedIds = selected === 'all' ? items.map((group) => group.id) : [...selected].map(String);

  const columns: { key: ColumnKey; name: string; width: number | `${number}fr` }[] = [
    { key: 'name', name: t('groups.column.name'), width: '2fr' },
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
    return (
      <span title={text} data-column={key}>
        {text || '—'}
      </span>
    );
  };

  const changed = (message: string) => {
    setNotice(message);
    setVersion((value) => value + 1);
  };

  return (
    <Flex direction="column" gap="size-200">
      <PageTitle>{t('nav.groups')}</PageTitle>
      <Flex gap="size-150" wrap alignItems="end" justifyContent="space-between">
        <SearchField
          label={t('groups.search')}
          description={t('groups.searchHint')}
          value={searchText}
          onChange={setSearchText}
          maxLength={LIMITS.nameMax}
          width="size-4600"
          data-testid="groups-search"
        />
        {canManage && (
          <Flex gap="size-100" wrap>
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
          </Flex>
        )}
      </Flex>
      {notice && (
        <InlineAlert variant="positive" data-testid="groups-notice">
          <Heading>{t('users.done')}</Heading>
          <Content>{notice}</Content>
        </InlineAlert>
      )}
      {error !== null && (
        <InlineAlert variant="negative" data-testid="groups-error">
          <Heading>{t('groups.loadFailed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}
      <ItemsTable
        aria-label={t('nav.groups')}
        data-testid="groups-table"
        overflowMode="truncate"
        selectionMode={canManage ? 'multiple' : 'none'}
        selectedKeys={selected}
        onSelectionChange={setSelected}
        onAction={(key) => navigate(`/groups/${encodeURIComponent(String(key))}`)}
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading>{search ? t('groups.noMatch') : t('groups.empty')}</Heading>
          </IllustratedMessage>
        )}
        columns={columns}
        items={items}
        itemKey={(group) => group.id}
        cell={cell}
        cellText={cellText}
        loading={loading === 'first'}
        rowHeight={ROW_HEIGHT}
      />
      <LoadMoreFooter
        testId="groups"
        shownText={t('groups.shown', { n: items.length })}
        loadMoreText={t('users.loadMore')}
        hasMore={Boolean(nextCursor)}
        loading={loading === 'more'}
        onLoadMore={() => void load(search, nextCursor)}
      />
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
    </Flex>
  );
}
