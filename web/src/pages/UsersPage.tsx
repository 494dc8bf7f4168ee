import {
  Button,
  Content,
  DialogContainer,
  Heading,
  InlineAlert,
  Link,
  SearchField,
  type Selection,
  type SpectrumTableProps,
  Text,
  useDateFormatter,
} from '@adobe/react-spectrum';
import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router';
import { LIMITS } from '../../../shared/contracts.ts';
import { api, queryString } from '../api.ts';
import { type ItemsColumn, TextCell } from '../components/ItemsTable.tsx';
import { ListPage, SelectMatchingBar } from '../components/ListPage.tsx';
import { NoAccess } from '../components/NoAccess.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { userLabel } from '../components/UserSearchPicker.tsx';
import { useAddressState } from '../components/useAddressState.ts';
import { usePagedList } from '../components/usePagedList.ts';
import { errorMessage } from '../errors.ts';
import type { CappedCount } from '../overview/types.ts';
import { useCountText } from '../overview/useCountText.ts';
import { useProducts, useProfiles } from '../products/data.ts';
import { useCan } from '../session.tsx';
import type { User } from '../types.ts';
import { AddUsersDialog } from '../users/AddUsersDialog.tsx';
import { type UserFilterForm, type UserSort, userQuery, userViewFromUrl, userViewToUrl } from '../users/filters.ts';
import { PasteListDialog } from '../users/PasteListDialog.tsx';
import { RemoveUsersDialog } from '../users/RemoveUsersDialog.tsx';
import { SendInstructionsDialog } from '../users/SendInstructionsDialog.tsx';
import { UserFilters } from '../users/UserFilters.tsx';
import { useDebounced } from '../users/useDebounced.ts';
import { type UserColumn, useUserCells } from '../users/userCells.tsx';

const ROW_HEIGHT = 41;

type SortDescriptor = NonNullable<SpectrumTableProps<unknown>['sortDescriptor']>;
type ColumnKey = UserColumn | 'products' | 'created';
/** The columns whose header sorts the list (the API sorts by each). */
const SORT_COLUMNS = ['name', 'email', 'identityType', 'status', 'created'] as const;
type DialogState = 'add' | 'paste' | 'remove' | 'instructions' | 'instructionsAll' | null;

function toSort(descriptor: SortDescriptor): UserSort {
  const column = SORT_COLUMNS.find((key) => key === descriptor.column) ?? 'email';
  return descriptor.direction === 'descending' ? `-${column}` : column;
}

function fromSort(sort: UserSort): SortDescriptor {
  return { column: sort.replace('-', ''), direction: sort.startsWith('-') ? 'descending' : 'ascending' };
}

/** The view's address: its filters and its sort. */
const writeView = (view: { filters: UserFilterForm; sort: UserSort }) => userViewToUrl(view.filters, view.sort);

/** The organization's users: search, filters, sortable and paged table, add, paste a list, remove. */
export function UsersPage() {
  const { t } = useTranslation();
  const can = useCan();
  const navigate = useNavigate();
  const products = useProducts(can('product.read'));
  const profiles = useProfiles(can('profile.read'));
  // Search, filters and sort live in the address too (replacing its entry), so Back and bookmarks
  // bring the same view back.
  const [view, setView] = useAddressState(userViewFromUrl, writeView);
  const form = view.filters;
  const setForm = (update: UserFilterForm | ((current: UserFilterForm) => UserFilterForm)) =>
    setView((current) => ({ ...current, filters: typeof update === 'function' ? update(current.filters) : update }));
  const search = useDebounced(form.search, 300);
  const group = useDebounced(form.group, 300);
  const [selected, setSelected] = useState<Selection>(new Set());
  /** "Select all N matching": the actions take the list's search and filters instead of ids. */
  const [matchingAll, setMatchingAll] = useState(false);
  const [total, setTotal] = useState<CappedCount | null>(null);
  const countText = useCountText();
  const formatDate = useDateFormatter({ dateStyle: 'medium' });
  const [dialog, setDialog] = useState<DialogState>(null);
  // A user deleted permanently on their details page is named here, where the admin lands.
  const deletedEmail = (useLocation().state as { deleted?: unknown } | null)?.deleted;
  const [notice, setNotice] = useState<string | null>(
    typeof deletedEmail === 'string' ? t('users.details.deleted', { email: deletedEmail }) : null,
  );
  const [version, setVersion] = useState(0);
  const canRead = can('user.read');

  const query = useMemo(() => userQuery({ ...form, search, group }, view.sort), [form, search, group, view.sort]);
  const queryKey = queryString(query);

  const list = usePagedList<User>(canRead ? `/api/v1/users${queryKey}` : null, {
    onFirstPage: () => {
      setSelected(new Set());
      setMatchingAll(false);
    },
  });
  const { items } = list;

  /** The list's search and filters without its sort: what "all matching" and the total are about. */
  const matchingFilter = useMemo(() => {
    const filter: Record<string, string> = {};
    for (const [key, value] of Object.entries(query)) {
      if (value && key !== 'sort') {
        filter[key] = value;
      }
    }
    return filter;
  }, [query]);

  // The total is its own request, so the page of rows never waits for counting.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` asks for a recount after a change.
  useEffect(() => {
    if (!canRead) {
      return;
    }
    const controller = new AbortController();
    setTotal(null);
    api
      .get<CappedCount>(`/api/v1/users/count${queryString(matchingFilter)}`, { signal: controller.signal })
      .then(setTotal)
      .catch(() => setTotal(null));
    return () => controller.abort();
  }, [matchingFilter, version, canRead]);

  const selectedIds = selected === 'all' ? items.map((user) => user.id) : [...selected].map(String);
  /** More users match than the rows loaded: the header checkbox offers all of them. */
  const moreThanLoaded = total !== null && (!total.exact || total.total > items.length);
  const matching = matchingAll && total ? { filter: matchingFilter, count: countText(total) } : undefined;
  const selectedUsers = items.filter((user) => selectedIds.includes(user.id));
  /** Removed users can be restored, not removed again or sent instructions. */
  const removedSelected = selectedUsers.filter((user) => user.status === 'removed');
  const onlyRemoved = selectedUsers.length > 0 && removedSelected.length === selectedUsers.length;
  const canRemove = can('user.remove');
  const canSend = can('instructions.send');
  const [sendError, setSendError] = useState<string | null>(null);
  const [restoring, setRestoring] = useState(false);

  /** Restores the selected removed users one by one (each its own audited change), then reloads. */
  const restoreSelected = async () => {
    setRestoring(true);
    let done = 0;
    for (const user of removedSelected) {
      try {
        await api.post(`/api/v1/users/${encodeURIComponent(user.id)}/restore`);
        done += 1;
      } catch (caught) {
        setRestoreError(
          t('users.restoreList.partly', {
            done,
            n: removedSelected.length,
            email: user.email,
            message: errorMessage(t, caught),
          }),
        );
        break;
      }
    }
    setRestoring(false);
    if (done > 0) {
      changed(t('users.restoreList.restored', { n: done }));
    }
  };
  const [restoreError, setRestoreError] = useState<string | null>(null);

  const columns: ItemsColumn<ColumnKey>[] = [
    { key: 'name', name: t('users.column.name'), width: '1.5fr', sortable: true },
    { key: 'email', name: t('users.column.email'), width: '2fr', sortable: true },
    { key: 'identityType', name: t('users.column.identityType'), width: 170, sortable: true },
    { key: 'products', name: t('users.column.products'), width: '2fr' },
    { key: 'status', name: t('users.column.status'), width: 230, sortable: true },
    { key: 'created', name: t('users.column.created'), width: 140, sortable: true },
  ];

  const userCells = useUserCells();
  const cellText = (user: User, key: ColumnKey): string => {
    switch (key) {
      case 'products':
        return user.products.join(', ');
      case 'created':
        return formatDate.format(new Date(user.createdAt));
      default:
        return userCells.cellText(user, key);
    }
  };
  const cell = (user: User, key: ColumnKey): ReactNode =>
    key === 'products' || key === 'created' ? (
      <TextCell text={cellText(user, key)} column={key} />
    ) : (
      userCells.cell(user, key)
    );

  if (!canRead) {
    return (
      <>
        <PageTitle>{t('nav.users')}</PageTitle>
        <NoAccess text={t('users.noAccess')} />
      </>
    );
  }

  const changed = (message: string) => {
    setNotice(message);
    list.reload();
    setVersion((value) => value + 1);
  };

  return (
    <ListPage
      title={t('nav.users')}
      testId="users"
      headerEnd={
        // The users the list shows (same search and filters) in the user CSV format, ready to edit and upload as "Edit users".
        <Link
          href={`/api/v1/users.csv${queryString({ ...query, sort: undefined })}`}
          download
          data-testid="users-export"
        >
          {t('users.export')}
        </Link>
      }
      actions={
        <>
          {can('user.create') && (
            <>
              <Button variant="accent" onPress={() => setDialog('add')} data-testid="users-add">
                {t('users.add.button')}
              </Button>
              <Button variant="secondary" onPress={() => setDialog('paste')} data-testid="users-paste">
                {t('users.paste.button')}
              </Button>
            </>
          )}
          {canRemove && (
            <Button
              variant="negative"
              isDisabled={!matching && (selectedIds.length === 0 || removedSelected.length > 0)}
              onPress={() => setDialog('remove')}
              data-testid="users-remove"
            >
              {matching
                ? t('users.remove.buttonCount', { n: matching.count })
                : selectedIds.length > 0
                  ? t('users.remove.buttonCount', { n: selectedIds.length })
                  : t('users.remove.button')}
            </Button>
          )}
          {canRemove && onlyRemoved && !matching && (
            <Button
              variant="accent"
              isPending={restoring}
              onPress={() => {
                setRestoreError(null);
                void restoreSelected();
              }}
              data-testid="users-restore"
            >
              {t('users.restoreList.button', { n: removedSelected.length })}
            </Button>
          )}
          {canSend && (
            <Button
              variant="secondary"
              isDisabled={!matching && (selectedIds.length === 0 || removedSelected.length > 0)}
              onPress={() => setDialog('instructions')}
              data-testid="users-send-instructions"
            >
              {t('instructions.sendSelected')}
            </Button>
          )}
          {canSend && (
            <Button
              variant="secondary"
              onPress={() => setDialog('instructionsAll')}
              data-testid="users-send-instructions-all"
            >
              {t('instructions.sendAll')}
            </Button>
          )}
        </>
      }
      selectionBar={
        <>
          {selected === 'all' && (canRemove || canSend) && moreThanLoaded && total && (
            <SelectMatchingBar
              testId="users"
              allSelected={matching !== undefined}
              pageSelectedText={t('users.matching.pageSelected', { n: items.length })}
              selectAllText={total.exact ? t('users.matching.selectAll', { n: countText(total) }) : null}
              tooManyText={t('users.matching.tooMany', { n: countText(total) })}
              allSelectedText={t('users.matching.allSelected', { n: countText(total) })}
              clearText={t('users.matching.clear')}
              onSelectAll={() => setMatchingAll(true)}
              onClear={() => setSelected(new Set())}
            />
          )}
          {removedSelected.length > 0 && !onlyRemoved && !matching && (
            <Text data-testid="users-removed-selected">{t('users.removedSelected')}</Text>
          )}
        </>
      }
      filters={
        <UserFilters
          value={form}
          onChange={setForm}
          products={products.items}
          profiles={profiles.items}
          search={
            <SearchField
              label={t('users.search')}
              description={t('users.searchHint')}
              value={form.search}
              onChange={(value) => setForm((current) => ({ ...current, search: value }))}
              maxLength={LIMITS.emailMax}
              width="size-3600"
              data-testid="users-search"
            />
          }
        />
      }
      notice={notice}
      onNoticeDismiss={() => setNotice(null)}
      alerts={
        <>
          {restoreError && (
            <InlineAlert variant="negative" data-testid="users-restore-error">
              <Heading>{t('users.restoreList.failed')}</Heading>
              <Content>{restoreError}</Content>
            </InlineAlert>
          )}
          {sendError && (
            <InlineAlert variant="negative" data-testid="users-send-error">
              <Heading>{t('instructions.failed')}</Heading>
              <Content>{sendError}</Content>
            </InlineAlert>
          )}
        </>
      }
      loadFailedText={t('users.loadFailed')}
      emptyText={t('users.empty')}
      shownText={
        total ? t('users.shownOf', { n: items.length, total: countText(total) }) : t('users.shown', { n: items.length })
      }
      loadMoreText={t('users.loadMore')}
      list={list}
      columns={columns}
      table={{
        selectionMode: canRemove || canSend ? 'multiple' : 'none',
        selectedKeys: selected,
        onSelectionChange: (keys) => {
          setSelected(keys);
          setMatchingAll(false);
        },
        onAction: (key) => navigate(`/users/${encodeURIComponent(String(key))}`),
        sortDescriptor: fromSort(view.sort),
        onSortChange: (descriptor) => setView((current) => ({ ...current, sort: toSort(descriptor) })),
        itemKey: (user) => user.id,
        cell,
        cellText,
        rowHeight: ROW_HEIGHT,
      }}
    >
      <DialogContainer onDismiss={() => setDialog(null)}>
        {dialog === 'add' && <AddUsersDialog onAdded={(added) => changed(t('users.add.added', { n: added.length }))} />}
        {dialog === 'paste' && (
          <PasteListDialog onAdded={(added) => changed(t('users.add.added', { n: added.length }))} />
        )}
        {dialog === 'remove' && (
          <RemoveUsersDialog
            userIds={selectedIds}
            matching={matching}
            email={selectedIds.length === 1 ? items.find((user) => user.id === selectedIds[0])?.email : undefined}
            people={selectedUsers.map(userLabel)}
            onRemoved={(count) => changed(t('users.remove.removed', { n: count }))}
          />
        )}
        {(dialog === 'instructions' || dialog === 'instructionsAll') && (
          <SendInstructionsDialog
            userIds={dialog === 'instructionsAll' ? 'all' : selectedIds}
            matching={dialog === 'instructions' ? matching : undefined}
            onSent={(queued) => {
              setSendError(null);
              setNotice(t('instructions.sent', { n: queued }));
            }}
            onFailed={setSendError}
          />
        )}
      </DialogContainer>
    </ListPage>
  );
}
