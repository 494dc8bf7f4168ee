import { Item, Picker, SearchField, Text, useDateFormatter } from '@adobe/react-spectrum';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { AwaitingDevice, DeviceUser, ListedDevice } from '../../../shared/api/devices.ts';
import { DEVICE_PLATFORMS, type DevicePlatform, LIMITS } from '../../../shared/contracts.ts';
import { api, queryString } from '../api.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { FormError } from '../components/FormError.tsx';
import { type ItemsColumn, TextCell } from '../components/ItemsTable.tsx';
import { ListPage } from '../components/ListPage.tsx';
import { NoAccess } from '../components/NoAccess.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { useAddressState } from '../components/useAddressState.ts';
import { usePagedList } from '../components/usePagedList.ts';
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

/** A row of either list as the page shows it. */
function toRow(item: ListedDevice | AwaitingDevice): ListRow {
  return 'id' in item
    ? { key: item.id, user: item.user, device: item, sentAt: null }
    : { key: item.user.id, user: item.user, device: null, sentAt: item.sentAt };
}

type ColumnKey = 'user' | 'platform' | 'name' | 'connectedAt' | 'lastSeenAt' | 'actions' | 'sentAt';

const isPlatform = (value: string | null): value is Platform => PLATFORMS.includes(value as Platform);

/** The list's view in the address: the search, "not connected yet" (`connected=false`), the platform. */
interface DevicesView {
  search: string;
  awaiting: boolean;
  platform: Platform | null;
}
const readView = (params: URLSearchParams): DevicesView => {
  const platform = params.get('platform');
  return {
    search: params.get('search') ?? '',
    awaiting: params.get('connected') === 'false',
    platform: isPlatform(platform) ? platform : null,
  };
};
const writeView = (view: DevicesView) =>
  new URLSearchParams(
    queryString({
      search: view.search.trim() ? view.search : undefined,
      connected: view.awaiting ? 'false' : undefined,
      platform: view.platform ?? undefined,
    }),
  );

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
  const [view, setView] = useAddressState(readView, writeView);
  const { awaiting, platform } = view;
  const search = useDebounced(view.search.trim(), 300);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const canRead = can('device.read');
  const list = usePagedList<ListRow, ListedDevice | AwaitingDevice>(
    canRead
      ? `/api/v1/devices${awaiting ? '/awaiting' : ''}${queryString({
          search: search || undefined,
          platform: awaiting ? undefined : (platform ?? undefined),
        })}`
      : null,
    { toItem: toRow },
  );
  const rows = list.items;

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
    setActionError(null);
    try {
      await api.delete(`/api/v1/users/${encodeURIComponent(row.user.id)}/devices/${encodeURIComponent(row.device.id)}`);
      setNotice(t('devices.disconnected', { name: row.device.name }));
      list.reload();
    } catch (caught) {
      setActionError(caught);
    }
  };

  const userText = (user: DeviceUser) => {
    const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
    return name ? `${name} (${user.email})` : user.email;
  };

  const columns: ItemsColumn<ColumnKey>[] = awaiting
    ? [
        { key: 'user', name: t('devicesList.column.user'), width: '2fr' },
        { key: 'sentAt', name: t('devicesList.column.sentAt'), width: '1fr' },
      ]
    : [
        { key: 'user', name: t('devicesList.column.user'), width: '2fr' },
        { key: 'platform', name: t('devices.column.platform'), width: 110 },
        { key: 'name', name: t('devices.column.name'), width: '1.5fr' },
        { key: 'connectedAt', name: t('devices.column.connectedAt'), width: 170 },
        { key: 'lastSeenAt', name: t('devicesList.column.lastSeen'), width: 170 },
        ...(can('device.disconnect')
          ? [{ key: 'actions' as const, name: t('devices.column.actions'), width: 150 }]
          : []),
      ];

  const cellText = (row: ListRow, key: ColumnKey): string => {
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
  const cell = (row: ListRow, key: ColumnKey): ReactNode => {
    if (key === 'actions' && row.device) {
      return (
        <ConfirmButton
          isQuiet
          label={t('devices.disconnect')}
          ariaLabel={t('devices.disconnectOf', { name: row.device.name })}
          title={t('devices.disconnectTitle')}
          text={t('devicesList.disconnectConfirm', { name: row.device.name, user: row.user.email })}
          onConfirm={() => void disconnect(row)}
          testId="devices-list-disconnect"
        />
      );
    }
    const text = cellText(row, key);
    return <TextCell text={text} column={key} empty="" />;
  };

  return (
    <ListPage
      title={t('nav.devices')}
      testId="devices-list"
      intro={
        actionError !== null && (
          <FormError title={t('devices.loadFailed')} error={actionError} testId="devices-list-action-error" />
        )
      }
      toolbar={
        <>
          <SearchField
            label={t('devicesList.search')}
            value={view.search}
            onChange={(value) => setView((current) => ({ ...current, search: value }))}
            maxLength={LIMITS.emailMax}
            width="size-4600"
            data-testid="devices-list-search"
          />
          <Picker
            label={t('devicesList.show')}
            selectedKey={awaiting ? 'awaiting' : 'connected'}
            onSelectionChange={(key) =>
              setView((current) => ({ ...current, awaiting: key === 'awaiting', platform: null }))
            }
            data-testid="devices-list-show"
          >
            <Item key="connected">{t('devicesList.connected')}</Item>
            <Item key="awaiting">{t('devicesList.awaiting')}</Item>
          </Picker>
          {!awaiting && (
            <Picker
              label={t('devices.column.platform')}
              selectedKey={platform ?? 'any'}
              onSelectionChange={(key) =>
                setView((current) => ({ ...current, platform: isPlatform(String(key)) ? (key as Platform) : null }))
              }
              data-testid="devices-list-platform"
            >
              {[
                <Item key="any">{t('devicesList.anyPlatform')}</Item>,
                ...PLATFORMS.map((value) => <Item key={value}>{t(`devices.platform.${value}`)}</Item>),
              ]}
            </Picker>
          )}
        </>
      }
      notice={notice}
      onNoticeDismiss={() => setNotice(null)}
      loadFailedText={t('devices.loadFailed')}
      emptyText={awaiting ? t('devicesList.emptyAwaiting') : t('devicesList.empty')}
      shownText={
        list.total
          ? t(awaiting ? 'devicesList.shownUsersOf' : 'devicesList.shownOf', {
              n: rows.length,
              total: countText(list.total),
            })
          : t(awaiting ? 'devicesList.shownUsers' : 'devicesList.shown', { n: rows.length })
      }
      loadMoreText={t('devicesList.loadMore')}
      list={list}
      columns={columns}
      table={{
        onAction: (key) => {
          const row = rows.find((item) => item.key === key);
          if (row) {
            navigate(`/users/${encodeURIComponent(row.user.id)}`);
          }
        },
        itemKey: (row) => row.key,
        cell,
        cellText,
        rowHeight: 41,
      }}
    >
      {awaiting && <Text UNSAFE_className="usher-hint">{t('devicesList.awaitingHint')}</Text>}
    </ListPage>
  );
}
