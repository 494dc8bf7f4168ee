import {
  Cell,
  Column,
  Content,
  Flex,
  Heading,
  IllustratedMessage,
  InlineAlert,
  Row,
  TableBody,
  TableHeader,
  TableView,
  useDateFormatter,
} from '@adobe/react-spectrum';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Device } from '../../../shared/api/devices.ts';
import { api } from '../api.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { tableHeight } from '../components/ItemsTable.tsx';
import { Toast } from '../components/Toast.tsx';
import { errorMessage } from '../errors.ts';
import { useCan } from '../session.tsx';

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
  const columns = [
    { key: 'platform', name: t('devices.column.platform') },
    { key: 'name', name: t('devices.column.name') },
    { key: 'connectedAt', name: t('devices.column.connectedAt') },
    { key: 'via', name: t('devices.column.via') },
    ...(canDisconnect ? [{ key: 'actions', name: t('devices.column.actions') }] : []),
  ];
  return (
    <Flex direction="column" gap="size-100">
      <Toast message={notice} onDismiss={() => setNotice(null)} testId="devices-notice" />
      {error !== null && (
        <InlineAlert variant="negative">
          <Heading>{t('devices.loadFailed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}
      <TableView
        aria-label={t('devices.title')}
        density="compact"
        data-testid="devices-table"
        height={tableHeight(devices?.length ?? 0, 40)}
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading>{t('devices.empty')}</Heading>
          </IllustratedMessage>
        )}
      >
        <TableHeader columns={columns}>{(column) => <Column key={column.key}>{column.name}</Column>}</TableHeader>
        <TableBody loadingState={devices === null && error === null ? 'loading' : 'idle'}>
          {(devices ?? []).map((device) => (
            <Row key={device.id}>
              {columns.map((column) => {
                switch (column.key) {
                  case 'platform':
                    return <Cell key={`${device.id}:platform`}>{t(`devices.platform.${device.platform}`)}</Cell>;
                  case 'name':
                    return <Cell key={`${device.id}:name`}>{device.name}</Cell>;
                  case 'connectedAt':
                    return (
                      <Cell key={`${device.id}:connectedAt`}>{formatDate.format(new Date(device.connectedAt))}</Cell>
                    );
                  case 'via':
                    return <Cell key={`${device.id}:via`}>{formatDate.format(new Date(device.link.sentAt))}</Cell>;
                  default:
                    return (
                      <Cell key={`${device.id}:actions`}>
                        <ConfirmButton
                          isQuiet
                          label={t('devices.disconnect')}
                          ariaLabel={t('devices.disconnectOf', { name: device.name })}
                          title={t('devices.disconnectTitle')}
                          text={t('devices.disconnectConfirm', { name: device.name })}
                          onConfirm={() => void disconnect(device)}
                          testId={`device-disconnect-${device.deviceId}`}
                        />
                      </Cell>
                    );
                }
              })}
            </Row>
          ))}
        </TableBody>
      </TableView>
    </Flex>
  );
}
