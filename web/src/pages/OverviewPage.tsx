import {
  Content,
  Flex,
  Heading,
  InlineAlert,
  Link,
  ProgressCircle,
  StatusLight,
  Text,
  useDateFormatter,
  useNumberFormatter,
  View,
} from '@adobe/react-spectrum';
import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink, useNavigate } from 'react-router';
import { api } from '../api.ts';
import { statusKey, statusVariant, typeKey } from '../bulk/labels.ts';
import { type ItemsColumn, ItemsTable } from '../components/ItemsTable.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { errorMessage } from '../errors.ts';
import { LicenseChart } from '../overview/LicenseChart.tsx';
import type { Overview } from '../overview/types.ts';
import { useCountText } from '../overview/useCountText.ts';

type BulkColumn = 'file' | 'type' | 'status' | 'started';
type BulkRun = NonNullable<Overview['bulk']>[number];

/** A Spectrum table's row height at regular density. */
const ROW_HEIGHT = 40;

function Tile(props: { label: string; value: string; to: string; testId: string }) {
  return (
    <View
      borderWidth="thin"
      borderColor="gray-300"
      borderRadius="medium"
      padding="size-200"
      minWidth="size-2000"
      data-testid={props.testId}
    >
      <Flex direction="column" gap="size-50">
        <Link isQuiet>
          <RouterLink to={props.to}>{props.label}</RouterLink>
        </Link>
        <span className="usher-tile-value" data-testid={`${props.testId}-value`}>
          {props.value}
        </span>
      </Flex>
    </View>
  );
}

function Section(props: { title: string; children: ReactNode; testId: string }) {
  return (
    <section aria-label={props.title} data-testid={props.testId}>
      <Heading level={2} marginBottom="size-100">
        {props.title}
      </Heading>
      {props.children}
    </section>
  );
}

/**
 * The console's home: the organization at a glance — users, groups and e-mails, licenses per product
 * as a chart with the 90/100/110 % alerts, recent bulk operations, and users who were sent
 * instructions but have not connected a device. Shows only the parts the admin may read.
 */
export function OverviewPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const countText = useCountText();
  const number = useNumberFormatter();
  const formatDate = useDateFormatter({ dateStyle: 'medium', timeStyle: 'short' });
  const [overview, setOverview] = useState<Overview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const bulkColumns: ItemsColumn<BulkColumn>[] = [
    { key: 'file', name: t('overview.bulk.file'), width: '2fr' },
    { key: 'type', name: t('overview.bulk.type') },
    { key: 'status', name: t('overview.bulk.status') },
    { key: 'started', name: t('overview.bulk.started') },
  ];
  const bulkText = (operation: BulkRun, key: BulkColumn): string => {
    switch (key) {
      case 'file':
        return operation.dryRun ? `${operation.fileName} (${t('overview.bulk.dryRun')})` : operation.fileName;
      case 'type':
        return t(typeKey(operation.type));
      case 'status':
        return t(statusKey(operation.status));
      case 'started':
        return formatDate.format(new Date(operation.createdAt));
    }
  };

  useEffect(() => {
    const controller = new AbortController();
    api
      .get<Overview>('/api/v1/overview', { signal: controller.signal })
      .then(setOverview)
      .catch((caught: unknown) => {
        if (!(caught instanceof DOMException)) {
          setError(caught);
        }
      });
    return () => controller.abort();
  }, []);

  if (error !== null) {
    return (
      <>
        <PageTitle>{t('nav.overview')}</PageTitle>
        <InlineAlert variant="negative" data-testid="overview-error">
          <Heading>{t('overview.loadFailed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      </>
    );
  }
  if (!overview) {
    return (
      <>
        <PageTitle>{t('nav.overview')}</PageTitle>
        <ProgressCircle aria-label={t('common.loading')} isIndeterminate />
      </>
    );
  }

  const alerts = (overview.licenses?.products ?? []).filter((product) => product.level > 0);
  const { users, outbox } = overview;
  // The counts the admin may read, each a link to its list.
  const tiles = [
    ...(users
      ? [
          { label: t('overview.users'), count: users.active, to: '/users?status=active', testId: 'overview-users' },
          {
            label: t('overview.removedUsers'),
            count: users.removed,
            to: '/users?status=removed',
            testId: 'overview-removed',
          },
        ]
      : []),
    ...(overview.groups
      ? [{ label: t('overview.groups'), count: overview.groups, to: '/groups', testId: 'overview-groups' }]
      : []),
    ...(outbox
      ? [
          { label: t('overview.queued'), count: outbox.queued, to: '/outbox', testId: 'overview-queued' },
          { label: t('overview.failed'), count: outbox.failed, to: '/outbox', testId: 'overview-failed' },
        ]
      : []),
  ];
  return (
    <Flex direction="column" gap="size-300">
      <PageTitle>{t('nav.overview')}</PageTitle>
      <Flex gap="size-200" wrap data-testid="overview-tiles">
        {tiles.map((tile) => (
          <Tile key={tile.testId} label={tile.label} value={countText(tile.count)} to={tile.to} testId={tile.testId} />
        ))}
      </Flex>
      {alerts.map((product) => (
        <InlineAlert
          key={product.id}
          variant={product.level >= 100 ? 'negative' : 'notice'}
          data-testid={`overview-alert-${product.name}`}
        >
          <Heading>{t(`overview.alert.title${product.level}`, { product: product.name })}</Heading>
          <Content>
            {t('overview.alert.body', {
              used: number.format(product.licensesUsed),
              total: number.format(product.licenseQuantity),
            })}
            {product.lastRunDeficit > 0 &&
              ` ${t('overview.alert.missing', { n: number.format(product.lastRunDeficit) })}`}
          </Content>
        </InlineAlert>
      ))}
      {overview.outbox?.held && (
        <InlineAlert variant="notice" data-testid="overview-outbox-held">
          <Heading>{t('overview.heldTitle')}</Heading>
          <Content>
            {t('overview.heldBody')}{' '}
            <Link>
              <RouterLink to="/outbox">{t('overview.openOutbox')}</RouterLink>
            </Link>
          </Content>
        </InlineAlert>
      )}
      {overview.licenses && (
        <Section title={t('overview.licenses.title')} testId="overview-licenses-section">
          {overview.licenses.products.length === 0 ? (
            <Text>{t('overview.licenses.none')}</Text>
          ) : (
            <>
              <LicenseChart products={overview.licenses.products} />
              <Text UNSAFE_className="usher-hint">
                {overview.licenses.lastRun
                  ? t('overview.licenses.legendRun', {
                      file: overview.licenses.lastRun.fileName,
                      at: formatDate.format(new Date(overview.licenses.lastRun.finishedAt)),
                    })
                  : t('overview.licenses.legend')}
              </Text>
            </>
          )}
        </Section>
      )}
      {overview.bulk && (
        <Section title={t('overview.bulk.title')} testId="overview-bulk">
          {overview.bulk.length === 0 ? (
            <Text>{t('overview.bulk.none')}</Text>
          ) : (
            <ItemsTable
              aria-label={t('overview.bulk.title')}
              onAction={(key) => navigate(`/bulk/${encodeURIComponent(String(key))}`)}
              data-testid="overview-bulk-table"
              columns={bulkColumns}
              items={overview.bulk}
              itemKey={(operation) => operation.id}
              cell={(operation, key) =>
                key === 'status' ? (
                  <StatusLight variant={statusVariant(operation.status)}>{bulkText(operation, key)}</StatusLight>
                ) : (
                  bulkText(operation, key)
                )
              }
              cellText={bulkText}
              loading={false}
              rowHeight={ROW_HEIGHT}
              minRows={1}
              maxHeight="size-3600"
            />
          )}
        </Section>
      )}
      {overview.awaitingDevice && (
        <Section title={t('overview.awaiting.title')} testId="overview-awaiting">
          {overview.awaitingDevice.total === 0 ? (
            <Text>{t('overview.awaiting.none')}</Text>
          ) : (
            <Flex direction="column" gap="size-100">
              <Text data-testid="overview-awaiting-count">
                {t('overview.awaiting.count', { n: countText(overview.awaitingDevice) })}
              </Text>
              <ul className="usher-plain-list">
                {overview.awaitingDevice.users.map((user) => (
                  <li key={user.id}>
                    <Link>
                      <RouterLink to={`/users/${encodeURIComponent(user.id)}`}>{user.email}</RouterLink>
                    </Link>{' '}
                    <Text>{t('overview.awaiting.sent', { at: formatDate.format(new Date(user.sentAt)) })}</Text>
                  </li>
                ))}
              </ul>
              <Link>
                <RouterLink to="/devices?connected=false" data-testid="overview-awaiting-all">
                  {t('overview.awaiting.all')}
                </RouterLink>
              </Link>
            </Flex>
          )}
        </Section>
      )}
    </Flex>
  );
}
