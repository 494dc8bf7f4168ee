import { Content, Flex, Heading, IllustratedMessage, InlineAlert, useDateFormatter } from '@adobe/react-spectrum';
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Device } from '../../../shared/api/devices.ts';
import { api } from '../api.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { type ItemsColumn, ItemsTable } from '../components/ItemsTable.tsx';
import { Toast } from '../components/Toast.tsx';
import { errorMessage } from '../errors.ts';
import { useCan } from '../session.tsx';

type ColumnKey = 'platform' | 'name' | 'connectedAt' | 'via' | 'actions';

/** The Devices section of a user's details: what they connected, through which e-mail; disconnect. */
export function DevicesSection(props: { userId: string }) {
  const { t } = useTranslation();
  const can = useCan();
  const formatDate = useDateFormatter({ dateStyle: 'medium', timeStyle: 'short' });
  const [devices, setDevices] = useState<Device[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setDevices(
        (await api.get<{ items: Device[] }>(`/api/v1/users/${encodeURIComponent(props.userId)}/devices`)).items,
      );
    } catch (caught) {
      setError(caught);
    }
  }, [props.userId]);
  useEffect(() => {
    void load();
  }, [load]);

  const disconnect = async (device: Device) => {
    setError(null);
    setNotice(null);
    try {
      await api.delete(`/api/v1/users/${encodeURIComponent(props.userId)}/devices/${encodeURIComponent(device.id)}`);
      setNotice(t('devices.disconnected', { name: device.name }));
      await load();
    } catch (caught) {
      setError(caught);
    }
  };

  const canDisconnect = can('device.disconnect');
  const columns: ItemsColumn<ColumnKey>[] = [
    { key: 'platform', name: t('devices.column.platform') },
    { key: 'name', name: t('devices.column.name') },
    { key: 'connectedAt', name: t('devices.column.connectedAt') },
    { key: 'via', name: t('devices.column.via') },
    ...(canDisconnect ? [{ key: 'actions' as const, name: t('devices.column.actions') }] : []),
  ];
  const cellText = (device: Device, key: ColumnKey): string => {
    switch (key) {
      case 'platform':
        return t(`devices.platform.${device.platform}`);
      case 'name':
        return device.name;
      case 'connectedAt':
        return formatDate.format(new Date(device.connectedAt));
      case 'via':
        return formatDate.format(new Date(device.link.sentAt));
      case 'actions':
        return t('devices.disconnect');
    }
  };
  const cell = (device: Device, key: ColumnKey): ReactNode =>
    key === 'actions' ? (
      <ConfirmButton
        isQuiet
        label={t('devices.disconnect')}
        ariaLabel={t('devices.disconnectOf', { name: device.name })}
        title={t('devices.disconnectTitle')}
        text={t('devices.disconnectConfirm', { name: device.name })}
        onConfirm={() => void disconnect(device)}
        testId={`device-disconnect-${device.deviceId}`}
      />
    ) : (
      cellText(device, key)
    );
  return (
    <Flex direction="column" gap="size-100">
      <Toast message={notice} onDismiss={() => setNotice(null)} testId="devices-notice" />
      {error !== null && (
        <InlineAlert variant="negative">
          <Heading>{t('devices.loadFailed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}
      <ItemsTable
        aria-label={t('devices.title')}
        density="compact"
        data-testid="devices-table"
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading>{t('devices.empty')}</Heading>
          </IllustratedMessage>
        )}
        columns={columns}
        items={devices ?? []}
        itemKey={(device) => device.id}
        cell={cell}
        cellText={cellText}
        loading={devices === null && error === null}
        rowHeight={40}
        minRows={2}
        maxHeight={null}
      />
    </Flex>
  );
}
