import {
  ActionButton,
  Badge,
  Button,
  Content,
  Flex,
  Heading,
  InlineAlert,
  LabeledValue,
  Link,
  ProgressBar,
  ProgressCircle,
  Text,
  useDateFormatter,
  useNumberFormatter,
  View,
} from '@adobe/react-spectrum';
import i18n from 'i18next';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { api } from '../api.ts';
import { usePoll } from '../bulk/usePoll.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { type ItemsColumn, ItemsTable } from '../components/ItemsTable.tsx';
import { NoAccess } from '../components/NoAccess.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { errorMessage } from '../errors.ts';
import { useCan } from '../session.tsx';
import {
  describeChanges,
  isUnfinished,
  runPath,
  runStatusVariant,
  type SyncRun,
  type SyncRunUser,
} from '../sync/types.ts';

type RunDetail = SyncRun & { outcomes: SyncRunUser[]; nextCursor: string | null };

type OutcomeColumn = 'email' | 'action' | 'status' | 'details';

/** A Spectrum table's row height at regular density. */
const ROW_HEIGHT = 40;

const COUNTS = [
  'found',
  'inScope',
  'created',
  'updated',
  'takenOver',
  'restored',
  'removed',
  'membershipsAdded',
  'membershipsRemoved',
  'unchanged',
  'skipped',
  'failed',
] as const;

/**
 * One sync run or preview: status and live progress, counts, the error or safety stop (with "Run
 * past the safety limit"), the per-user outcomes with their changes, and the results CSV.
 */
export function SyncRunPage() {
  const { t } = useTranslation();
  const { id = '', runId = '' } = useParams();
  const can = useCan();
  const navigate = useNavigate();
  const formatNumber = useNumberFormatter();
  const formatDate = useDateFormatter({ dateStyle: 'medium', timeStyle: 'medium' });
  const [run, setRun] = useState<RunDetail | null>(null);
  const [more, setMore] = useState<SyncRunUser[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState<'past-limit' | 'undo' | null>(null);
  const path = runPath(id, runId);
  const allowed = can('domain.manage');

  const load = useCallback(async () => {
    try {
      const detail = await api.get<RunDetail>(path);
      setRun(detail);
      setMore([]);
      setCursor(detail.nextCursor);
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  }, [path]);

  useEffect(() => {
    setRun(null);
    if (allowed) {
      void load();
    }
  }, [load, allowed]);
  usePoll(run !== null && isUnfinished(run), load);

  const back = (
    <View>
      <ActionButton isQuiet onPress={() => navigate(`/settings/directories/${id}/sync`)} data-testid="sync-run-back">
        {t('sync.run.back')}
      </ActionButton>
    </View>
  );
  if (!allowed) {
    return (
      <>
        <PageTitle>{t('sync.title')}</PageTitle>
        <NoAccess text={t('sync.noAccess')} />
      </>
    );
  }
  if (!run) {
    return error ? (
      <Flex direction="column" gap="size-200">
        {back}
        <InlineAlert variant="negative">
          <Heading>{t('sync.failed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      </Flex>
    ) : (
      <ProgressCircle aria-label={t('common.loading')} isIndeterminate />
    );
  }

  const loadMore = () => {
    if (!cursor) {
      return;
    }
    api
      .get<{ items: SyncRunUser[]; nextCursor: string | null }>(
        `${path}/users?limit=100&cursor=${encodeURIComponent(cursor)}`,
      )
      .then((page) => {
        setMore((rows) => [...rows, ...page.items]);
        setCursor(page.nextCursor);
      })
      .catch((caught: unknown) => setError(caught));
  };
  const runPastLimit = () => {
    setPending('past-limit');
    api
      .post<{ id: string }>(`/api/v1/directories/${encodeURIComponent(id)}/sync/runs`, { ignoreSafetyLimit: true })
      .then((answer) => navigate(`/settings/directories/${id}/sync/runs/${answer.id}`))
      .catch((caught: unknown) => setError(caught))
      .finally(() => setPending(null));
  };
  // The undo starts as a preview (a dry run, a bulk operation); its page offers to run it for real.
  const undo = () => {
    setError(null);
    setPending('undo');
    api
      .post<{ id: string }>(`${path}/undo`, { dryRun: true })
      .then((answer) => navigate(`/bulk/${encodeURIComponent(answer.id)}`))
      .catch((caught: unknown) => setError(caught))
      .finally(() => setPending(null));
  };
  const canUndo = !run.dryRun && !isUnfinished(run) && run.undoneBy === null && run.status !== 'stopped';
  const date = (value: string | null) => (value ? formatDate.format(new Date(value)) : '—');
  const outcomes = [...run.outcomes, ...more];
  const outcomeColumns: ItemsColumn<OutcomeColumn>[] = [
    { key: 'email', name: t('sync.column.email'), width: '2fr' },
    { key: 'action', name: t('sync.column.action'), width: '1fr' },
    { key: 'status', name: t('sync.column.status'), width: '1fr' },
    { key: 'details', name: t('sync.column.details'), width: '4fr' },
  ];
  const outcomeText = (outcome: SyncRunUser, key: OutcomeColumn): string => {
    switch (key) {
      case 'email':
        return outcome.email ?? outcome.dn ?? '—';
      case 'action':
        return t(`sync.action.${outcome.action}`, { defaultValue: outcome.action });
      case 'status':
        return t(`sync.outcome.${outcome.status}`);
      case 'details':
        return [outcome.message, describeChanges(outcome.changes)].filter(Boolean).join(' ');
    }
  };
  const errorKey = run.error ? `errors.${run.error.code}` : '';

  return (
    <Flex direction="column" gap="size-300">
      {back}
      <PageTitle>{run.dryRun ? t('sync.run.titlePreview') : t('sync.run.title')}</PageTitle>
      <Flex gap="size-100" alignItems="center">
        <Badge variant={runStatusVariant(run.status)} data-testid="sync-run-status" data-status={run.status}>
          {t(`sync.status.${run.status}`)}
        </Badge>
        {run.dryRun && (
          <Badge variant="indigo" data-testid="sync-run-preview">
            {t('sync.runs.preview')}
          </Badge>
        )}
      </Flex>
      <Flex gap="size-400" wrap>
        <LabeledValue label={t('sync.run.initiatedBy')} value={run.initiatedBy.label} />
        <LabeledValue label={t('sync.column.started')} value={date(run.startedAt ?? run.createdAt)} />
        <LabeledValue label={t('sync.run.finished')} value={date(run.finishedAt)} />
      </Flex>
      {isUnfinished(run) && (
        <Flex direction="column" gap="size-50" width="size-6000" data-testid="sync-run-progress">
          <ProgressBar
            aria-label={t('sync.run.progress', { done: run.processed, total: run.inScope })}
            isIndeterminate={run.inScope === 0}
            value={run.inScope ? (100 * run.processed) / run.inScope : 0}
            size="S"
            width="100%"
          />
          <Text>
            {run.status === 'queued'
              ? t('sync.run.queued')
              : t(`sync.phase.${run.phase ?? 'reading'}`, {
                  found: formatNumber.format(run.found),
                  done: formatNumber.format(run.processed),
                  total: formatNumber.format(run.inScope),
                })}
          </Text>
        </Flex>
      )}
      <Flex gap="size-300" wrap data-testid="sync-run-counts">
        {COUNTS.map((key) => (
          <LabeledValue
            key={key}
            label={t(`sync.count.${key}`)}
            value={formatNumber.format(run[key])}
            data-testid={`sync-count-${key}`}
          />
        ))}
      </Flex>
      {run.undoneBy && (
        <Flex gap="size-100" alignItems="center" data-testid="sync-run-undone-by">
          <span>{t('sync.run.undoneBy', { name: run.undoneBy.label, at: date(run.undoneBy.at) })}</span>
          <Link
            onPress={() => navigate(`/bulk/${encodeURIComponent(run.undoneBy?.operationId ?? '')}`)}
            data-testid="sync-run-open-undo"
          >
            {t('sync.run.openUndo')}
          </Link>
        </Flex>
      )}
      {run.error && (
        <InlineAlert variant={run.status === 'stopped' ? 'notice' : 'negative'} data-testid="sync-run-error">
          <Heading>{run.status === 'stopped' ? t('sync.run.stoppedTitle') : t('sync.run.failedTitle')}</Heading>
          <Content>
            {i18n.exists(errorKey) && <div>{t(errorKey)}</div>}
            <div>{run.error.message}</div>
          </Content>
        </InlineAlert>
      )}
      {error !== null && (
        <InlineAlert variant="negative">
          <Heading>{t('sync.failed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}
      <Flex gap="size-200" alignItems="center" wrap>
        {run.status === 'stopped' && (
          <Button
            variant="negative"
            onPress={runPastLimit}
            isPending={pending === 'past-limit'}
            data-testid="sync-run-past-limit"
          >
            {t('sync.run.pastLimit')}
          </Button>
        )}
        {canUndo && (
          <ConfirmButton
            label={t('sync.run.undo')}
            title={t('sync.run.undoTitle')}
            onConfirm={undo}
            buttonVariant="secondary"
            variant="confirmation"
            isPending={pending === 'undo'}
            testId="sync-run-undo"
            text={
              <Flex direction="column" gap="size-100">
                <span>{t('sync.run.undoText')}</span>
                <InlineAlert variant="notice" data-testid="sync-run-undo-schedule">
                  <Heading>{t('sync.run.undoScheduleTitle')}</Heading>
                  <Content>{t('sync.run.undoScheduleText')}</Content>
                </InlineAlert>
              </Flex>
            }
          />
        )}
        {!isUnfinished(run) && (
          <Link href={`${path}/results.csv`} download data-testid="sync-run-csv">
            {t('sync.run.csv')}
          </Link>
        )}
      </Flex>
      <ItemsTable
        aria-label={t('sync.run.outcomes')}
        data-testid="sync-run-outcomes"
        columns={outcomeColumns}
        items={outcomes}
        itemKey={(outcome) => outcome.seq}
        cell={outcomeText}
        cellText={outcomeText}
        loading={false}
        rowHeight={ROW_HEIGHT}
        minRows={3}
        minHeight="size-2000"
        maxHeight="size-6000"
      />
      {cursor && (
        <View>
          <Button variant="secondary" onPress={loadMore} data-testid="sync-run-more">
            {t('sync.run.more')}
          </Button>
        </View>
      )}
    </Flex>
  );
}
