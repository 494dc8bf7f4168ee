import {
  ActionButton,
  AlertDialog,
  Content,
  DialogTrigger,
  Flex,
  Heading,
  IllustratedMessage,
  InlineAlert,
  Item,
  Picker,
  SearchField,
  Text,
  useDateFormatter,
} from '@adobe/react-spectrum';
import { type Key, type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import type { DeviceUser } from '../../../shared/api/devices.ts';
import { DEVICE_PLATFORMS, type DevicePlatform, LIMITS } from '../../../shared/contracts.ts';
import { api, queryString } from '../api.ts';
import { ItemsTable } from '../components/ItemsTable.tsx';
import { LoadMoreFooter } from '../components/LoadMoreFooter.tsx';
import { NoAccess } from '../components/NoAccess.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { Toast } from '../components/Toast.tsx';
import { errorMessage } from '../errors.ts';
import type { CappedCount } from '../overview/types.ts';
import { useCountText } from '../overview/useCountText.ts';
import { useCan } from '../session.tsx';
import { useDebounced } from '../users/useDebounced.ts';

const PLATFORMS = DEVICE_PLATFORMS;
type Platform = DevicePlatform;

/** One row: a connected device, or (the "not connected yet" view) a user without one. */
interface ListRow {
  key: string;
  user: DeviceUser;
  device: { id: string; platform: Platform; name: string; connectedAt: string; lastSeenAt: string } | null;
  sentAt: string | null;
}

interface Listed<T> {
  items: T[];
  nextCursor: string | null;
  total: CappedCount | null;
}

type DeviceColumn = 'user' | 'platform' | 'name' | 'connectedAt' | 'lastSeenAt' | 'actions';
type AwaitingColumn = 'user' | 'sentAt';

const isPlatform = (value: string | null): value is Platform => PLATFORMS.includes(value as Platform);

/**
 * Every device of the organization (SPEC: Windows, macOS, Android and iOS devices connected through
 * instructions e-mails): user, platform, connected at, last seen; filter by platform, search by user
 * or device name, or show the users who were sent instructions and have not connected yet;
 * disconnect. The view lives in the address, so Back and bookmarks keep it.
 */
export function DevicesPage() {
  const { t } = useTranslation();
  const can = useCan();
  const navigate = useNavigate();
  const countText = useCountText();
  const formatDate = useDateFormatter({ dateStyle: 'medium', timeStyle: 'short' });
  const [params, setParams] = useSearchParams();
  const awaiting = params.get('connected') === 'false';
  const platform = params.get('platform');
  const [searchText, setSearchText] = useState(params.get('search') ?? '');
  const search = useDebounced(searchText.trim(), 300);
  const [rows, setRows] = useState<ListRow[]>([]);
  const [total, setTotal] = useState<CappedCount | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState<'first' | 'more' | null>('first');
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const generation = useRef(0);
  const canRead = can('device.read');

  const setView = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) {
        next.set(key, value);
      } else {
        next.delete(key);
      }
    }
    setParams(next, { replace: true });
  };
  // The debounced search goes into the address too.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only the search itself writes it.
  useEffect(() => {
    if ((params.get('search') ?? '') !== search) {
      setView({ search: search || null });
    }
  }, [search]);

  const load = useCallback(
    async (cursor: string | null) => {
      const mine = cursor ? generation.current : ++generation.current;
      setLoading(cursor ? 'more' : 'first');
      setError(null);
      try {
        const query = queryString({
          search: search || undefined,
          platform: !awaiting && isPlatform(platform) ? platform : undefined,
          limit: String(LIMITS.pageSizeDefault),
          cursor: cursor ?? undefined,
        });
        const page: Listed<ListRow> = awaiting
          ? await api
              .get<Listed<{ user: DeviceUser; sentAt: string }>>(`/api/v1/devices/awaiting${query}`)
              .then((answer) => ({
                ...answer,
                items: answer.items.map((item) => ({
                  key: item.user.id,
                  user: item.user,
                  device: null,
                  sentAt: item.sentAt,
                })),
              }))
          : await api
              .get<Listed<{ id: string; user: DeviceUser } & NonNullable<ListRow['device']>>>(`/api/v1/devices${query}`)
              .then((answer) => ({
                ...answer,
                items: answer.items.map((item) => ({ key: item.id, user: item.user, device: item, sentAt: null })),
              }));
        if (mine !== generation.current) {
          return;
        }
        setRows((current) => (cursor ? [...current, ...page.items] : page.items));
        setNextCursor(page.nextCursor);
        if (!cursor) {
          setTotal(page.total);
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
    },
    [awaiting, platform, search],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` asks for a reload after a change.
  useEffect(() => {
    if (canRead) {
      void load(null);
    }
  }, [load, version, canRead]);

  if (!canRead) {
    return (
      <>
        <PageTitle>{t('nav.devices')}</PageTitle>
        <NoAccess text={t('devicesList.noAccess')} />
      </>
    );
  }

  const disconnect = async (row: ListRow) => {
    if (!row.device) {
      return;
    }
    setNotice(null);
    setError(null);
    try {
      await api.delete(`/api/v1/users/${encodeURIComponent(row.user.id)}/devices/${encodeURIComponent(row.device.id)}`);
      setNotice(t('devices.disconnected', { name: row.device.name }));
      setVersion((value) => value + 1);
    } catch (caught) {
      setError(caught);
    }
  };

  const userText = (user: DeviceUser) => {
    const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
    return name ? `${name} (${user.email})` : user.email;
  };

  const canDisconnect = can('device.disconnect');
  const deviceColumns: { key: DeviceColumn; name: string; width: number | `${number}fr` }[] = [
    { key: 'user', name: t('devicesList.column.user'), width: '2fr' },
    { key: 'platform', name: t('devices.column.platform'), width: 110 },
    { key: 'name', name: t('devices.column.name'), width: '1.5fr' },
    { key: 'connectedAt', name: t('devices.column.connectedAt'), width: 170 },
    { key: 'lastSeenAt', name: t('devicesList.column.lastSeen'), width: 170 },
    ...(canDisconnect ? [{ key: 'actions' as const, name: t('devices.column.actions'), width: 150 }] : []),
  ];
  const awaitingColumns: { key: AwaitingColumn; name: string; width: number | `${number}fr` }[] = [
    { key: 'user', name: t('devicesList.column.user'), width: '2fr' },
    { key: 'sentAt', name: t('devicesList.column.sentAt'), width: '1fr' },
  ];

  const cellText = (row: ListRow, key: DeviceColumn | AwaitingColumn): string => {
    switch (key) {
      case 'user':
        return userText(row.user);
      case 'platform':
        return row.device ? t(`devices.platform.${row.device.platform}`) : '';
      case 'name':
        return row.device?.name ?? '';
      case 'connectedAt':
        return row.device ? formatDate.format(new Date(row.device.connectedAt)) : '';
      case 'lastSeenAt':
        return row.device ? formatDate.format(new Date(row.device.lastSeenAt)) : '';
      case 'sentAt':
        return row.sentAt ? formatDate.format(new Date(row.sentAt)) : '';
      case 'actions':
        return t('devices.disconnect');
    }
  };
  const cell = (row: ListRow, key: DeviceColumn | AwaitingColumn): ReactNode => {
    if (key === 'actions' && row.device) {
      return (
        <DialogTrigger>
          <ActionButton
            isQuiet
            aria-label={t('devices.disconnectOf', { name: row.device.name })}
            data-testid="devices-list-disconnect"
          >
            {t('devices.disconnect')}
          </ActionButton>
          <AlertDialog
            title={t('devices.disconnectTitle')}
            variant="destructive"
            primaryActionLabel={t('devices.disconnect')}
            cancelLabel={t('common.cancel')}
            onPrimaryAction={() => void disconnect(row)}
          >
            {t('devicesList.disconnectConfirm', { name: row.device.name, user: row.user.email })}
          </AlertDialog>
        </DialogTrigger>
      );
    }
    const text = cellText(row, key);
    return (
      <span title={text} data-column={key}>
        {text}
      </span>
    );
  };

  const tableProps = {
    'aria-label': t('nav.devices'),
    'data-testid': 'devices-list-table',
    overflowMode: 'truncate' as const,
    onAction: (key: Key) => {
      const row = rows.find((item) => item.key === key);
      if (row) {
        navigate(`/users/${encodeURIComponent(row.user.id)}`);
      }
    },
    renderEmptyState: () => (
      <IllustratedMessage>
        <Heading>{awaiting ? t('devicesList.emptyAwaiting') : t('devicesList.empty')}</Heading>
      </IllustratedMessage>
    ),
    items: rows,
    itemKey: (row: ListRow) => row.key,
    cell,
    cellText,
    loading: loading === 'first',
    rowHeight: 41,
  };

  return (
    <Flex direction="column" gap="size-200">
      <PageTitle>{t('nav.devices')}</PageTitle>
      <Flex gap="size-150" wrap alignItems="end">
        <SearchField
          label={t('devicesList.search')}
          value={searchText}
          onChange={setSearchText}
          maxLength={LIMITS.emailMax}
          width="size-4600"
          data-testid="devices-list-search"
        />
        <Picker
          label={t('devicesList.show')}
          selectedKey={awaiting ? 'awaiting' : 'connected'}
          onSelectionChange={(key) => setView({ connected: key === 'awaiting' ? 'false' : null, platform: null })}
          data-testid="devices-list-show"
        >
          <Item key="connected">{t('devicesList.connected')}</Item>
          <Item key="awaiting">{t('devicesList.awaiting')}</Item>
        </Picker>
        {!awaiting && (
          <Picker
            label={t('devices.column.platform')}
            selectedKey={isPlatform(platform) ? platform : 'any'}
            onSelectionChange={(key) => setView({ platform: key === 'any' ? null : String(key) })}
            data-testid="devices-list-platform"
          >
            {[
              <Item key="any">{t('devicesList.anyPlatform')}</Item>,
              ...PLATFORMS.map((value) => <Item key={value}>{t(`devices.platform.${value}`)}</Item>),
            ]}
          </Picker>
        )}
      </Flex>
      <Toast message={notice} onDismiss={() => setNotice(null)} testId="devices-list-notice" />
      {error !== null && (
        <InlineAlert variant="negative" data-testid="devices-list-error">
          <Heading>{t('devices.loadFailed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}
      {awaiting ? (
        <ItemsTable {...tableProps} columns={awaitingColumns} />
      ) : (
        <ItemsTable {...tableProps} columns={deviceColumns} />
      )}
      <LoadMoreFooter
        testId="devices-list"
        shownText={
          total
            ? t(awaiting ? 'devicesList.shownUsersOf' : 'devicesList.shownOf', {
                n: rows.length,
                total: countText(total),
              })
            : t(awaiting ? 'devicesList.shownUsers' : 'devicesList.shown', { n: rows.length })
        }
        loadMoreText={t('devicesList.loadMore')}
        hasMore={Boolean(nextCursor)}
        loading={loading === 'more'}
        onLoadMore={() => void load(nextCursor)}
      />
      {awaiting && <Text UNSAFE_className="usher-hint">{t('devicesList.awaitingHint')}</Text>}
    </Flex>
  );
}
