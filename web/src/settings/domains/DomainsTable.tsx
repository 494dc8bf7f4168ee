import {
  ActionButton,
  Content,
  Flex,
  Heading,
  IllustratedMessage,
  InlineAlert,
  StatusLight,
  useDateFormatter,
} from '@adobe/react-spectrum';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { type ItemsColumn, ItemsTable } from '../../components/ItemsTable.tsx';
import { errorMessage } from '../../errors.ts';
import { useCan } from '../../session.tsx';
import { CopyButton } from './CopyButton.tsx';
import type { Domain } from './types.ts';

/** What the last Verify answered, shown above the table. */
export interface VerifyOutcome {
  domain: Domain;
  error: unknown;
}

type ColumnKey = 'name' | 'directory' | 'status' | 'recordName' | 'recordValue' | 'lastCheckedAt' | 'actions';

const ROW_HEIGHT = 72;

function VerifyResult({ outcome }: { outcome: VerifyOutcome }) {
  const { t } = useTranslation();
  const { domain, error } = outcome;
  if (error === null) {
    return (
      <InlineAlert variant="positive" marginY="size-200" data-testid="domain-verify-result">
        <Heading>{t('domains.domains.verifiedTitle')}</Heading>
        <Content>{t('domains.domains.verified', { name: domain.name })}</Content>
      </InlineAlert>
    );
  }
  const notPublished = error instanceof ApiError && error.code === 'domains.record_not_found';
  return (
    <InlineAlert variant="negative" marginY="size-200" data-testid="domain-verify-result">
      <Heading>{t('domains.domains.verifyFailed', { name: domain.name })}</Heading>
      <Content>
        {errorMessage(t, error)}
        {notPublished && <> {t('domains.domains.publish', { name: domain.record.name, value: domain.record.value })}</>}
      </Content>
    </InlineAlert>
  );
}

/** The organization's domains: status, directory, the TXT record to publish, Verify / Move / Remove. */
export function DomainsTable(props: {
  domains: Domain[] | null;
  loading: boolean;
  outcome: VerifyOutcome | null;
  verifying: string | null;
  onVerify: (domain: Domain) => void;
  onMove: (domain: Domain) => void;
  onRemove: (domain: Domain) => void;
}) {
  const { t } = useTranslation();
  const can = useCan();
  const manage = can('domain.manage');
  const formatDate = useDateFormatter({ dateStyle: 'short', timeStyle: 'short' });
  const columns: ItemsColumn<ColumnKey>[] = [
    { key: 'name', name: t('domains.domains.column.name'), width: '2fr' },
    { key: 'directory', name: t('domains.domains.column.directory'), width: '1.5fr' },
    { key: 'status', name: t('domains.domains.column.status'), width: 130 },
    { key: 'recordName', name: t('domains.domains.column.recordName'), width: '2.5fr' },
    { key: 'recordValue', name: t('domains.domains.column.recordValue'), width: '3.5fr' },
    { key: 'lastCheckedAt', name: t('domains.domains.column.lastCheckedAt'), width: 150 },
    { key: 'actions', name: t('domains.domains.column.actions'), width: 250, hideHeader: true },
  ];

  const cell = (domain: Domain, key: ColumnKey): ReactNode => {
    switch (key) {
      case 'name':
        return domain.name;
      case 'directory':
        return domain.directory
          ? `${domain.directory.name} (${t(`domains.identityType.${domain.directory.identityType}`)})`
          : t('domains.domains.noDirectory');
      case 'status':
        return domain.status === 'claimed' ? (
          <StatusLight variant="positive">{t('domains.domains.claimed')}</StatusLight>
        ) : (
          <StatusLight variant="notice">{t('domains.domains.pending')}</StatusLight>
        );
      case 'recordName':
        return (
          <Flex direction="column">
            <span className="usher-record" data-testid="domain-record-name">
              {domain.record.name}
            </span>
            <CopyButton text={domain.record.name} label={t('domains.copyName', { name: domain.name })} />
          </Flex>
        );
      case 'recordValue':
        return (
          <Flex direction="column">
            <span className="usher-record" data-testid="domain-record-value">
              {domain.record.value}
            </span>
            <CopyButton
              text={domain.record.value}
              label={t('domains.copyValue', { name: domain.name })}
              testId="domain-record-copy"
            />
          </Flex>
        );
      case 'lastCheckedAt':
        return domain.lastCheckedAt ? formatDate.format(new Date(domain.lastCheckedAt)) : t('domains.domains.never');
      case 'actions':
        return manage ? (
          <Flex gap="size-50">
            {domain.status === 'pending' && (
              <ActionButton
                isQuiet
                isDisabled={props.verifying !== null}
                onPress={() => props.onVerify(domain)}
                aria-label={t('domains.domains.verifyNamed', { name: domain.name })}
                data-testid="domain-verify"
              >
                {t('domains.domains.verify')}
              </ActionButton>
            )}
            <ActionButton
              isQuiet
              onPress={() => props.onMove(domain)}
              aria-label={t('domains.domains.moveNamed', { name: domain.name })}
              data-testid="domain-move"
            >
              {t('domains.domains.move')}
            </ActionButton>
            <ConfirmButton
              isQuiet
              label={t('domains.domains.remove')}
              ariaLabel={t('domains.domains.removeNamed', { name: domain.name })}
              title={t('domains.domains.removeTitle')}
              text={t('domains.domains.removeText', { name: domain.name })}
              testId="domain-remove"
              onConfirm={() => props.onRemove(domain)}
            />
          </Flex>
        ) : null;
    }
  };
  const cellText = (domain: Domain, key: ColumnKey): string => {
    const value = cell(domain, key);
    if (key === 'recordName') {
      return domain.record.name;
    }
    if (key === 'recordValue') {
      return domain.record.value;
    }
    return typeof value === 'string' ? value : '';
  };

  return (
    <>
      {props.outcome && <VerifyResult outcome={props.outcome} />}
      <ItemsTable
        aria-label={t('domains.domains.title')}
        marginTop="size-100"
        overflowMode="wrap"
        data-testid="domain-table"
        columns={columns}
        items={props.domains ?? []}
        itemKey={(domain) => domain.id}
        cell={cell}
        cellText={cellText}
        loading={props.loading}
        rowHeight={ROW_HEIGHT}
        minRows={2}
        maxHeight="size-6000"
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading>{t('domains.domains.empty')}</Heading>
          </IllustratedMessage>
        )}
      />
    </>
  );
}
