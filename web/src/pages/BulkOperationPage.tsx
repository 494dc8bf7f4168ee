import {
  ActionButton,
  Badge,
  Button,
  Checkbox,
  Content,
  Flex,
  Heading,
  InlineAlert,
  LabeledValue,
  Link,
  ProgressCircle,
  useDateFormatter,
  useNumberFormatter,
  View,
} from '@adobe/react-spectrum';
import i18n from 'i18next';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { api } from '../api.ts';
import { DeficitTable } from '../bulk/DeficitTable.tsx';
import { typeKey } from '../bulk/labels.ts';
import { DryRunBadge, OperationProgress, StatusBadge } from '../bulk/ProgressCell.tsx';
import { RowsTable } from '../bulk/RowsTable.tsx';
import { type BulkOperation, bulkPath, isUnfinished } from '../bulk/types.ts';
import { usePoll } from '../bulk/usePoll.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { NoAccess } from '../components/NoAccess.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { errorMessage } from '../errors.ts';
import { useCan } from '../session.tsx';

/** Whether a finished dry run can be run for real (it read the file and was not stopped). */
function canRunForReal(operation: BulkOperation): boolean {
  return operation.dryRun && (operation.status === 'completed' || operation.status === 'completed_with_errors');
}

/** Whether an operation can be undone: it ran for real, has finished, and is not undone yet. */
function canUndo(operation: BulkOperation): boolean {
  return !operation.dryRun && !isUnfinished(operation) && operation.undoneBy === null;
}

/**
 * One bulk operation: status, counts and live progress, who started it and when, cancel while it
 * runs, "Run for real" after a dry run, "Undo" (a preview first, then for real), the results CSV,
 * the license deficit report, and its rows.
 */
export function BulkOperationPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const can = useCan();
  const navigate = useNavigate();
  const formatNumber = useNumberFormatter();
  const formatDate = useDateFormatter({ dateStyle: 'medium', timeStyle: 'medium' });
  const [loaded, setLoaded] = useState<BulkOperation | null>(null);
  // After "Run for real" the URL names the new operation before it is fetched: never show the old one.
  const operation = loaded?.id === id ? loaded : null;
  const [loadError, setLoadError] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState<'cancel' | 'run' | 'remove' | 'undo' | null>(null);
  // The undo of added users may delete them for good instead of removing them.
  const [deleteCreated, setDeleteCreated] = useState(false);
  const path = bulkPath(id);
  const canRun = can('bulk.run');

  const load = useCallback(async () => {
    try {
      setLoaded(await api.get<BulkOperation>(path));
      setLoadError(null);
    } catch (caught) {
      setLoadError(caught);
    }
  }, [path]);

  useEffect(() => {
    setLoaded(null);
    setError(null);
    if (canRun) {
      void load();
    }
  }, [load, canRun]);

  usePoll(operation !== null && isUnfinished(operation), load);

  const back = (
    <View>
      <ActionButton isQuiet onPress={() => navigate('/bulk')} data-testid="bulk-back">
        {t('bulk.back')}
      </ActionButton>
    </View>
  );

  if (!canRun) {
    return (
      <>
        <PageTitle>{t('nav.bulk')}</PageTitle>
        <NoAccess text={t('bulk.noAccess')} />
      </>
    );
  }
  if (loadError !== null) {
    return (
      <Flex direction="column" gap="size-200">
        {back}
        <InlineAlert variant="negative" data-testid="bulk-load-error">
          <Heading>{t('bulk.loadOneFailed')}</Heading>
          <Content>{errorMessage(t, loadError)}</Content>
        </InlineAlert>
      </Flex>
    );
  }
  if (!operation) {
    return <ProgressCircle aria-label={t('common.loading')} isIndeterminate />;
  }

  const cancel = () => {
    setError(null);
    setPending('cancel');
    api
      .post<BulkOperation>(`${path}/cancel`)
      .then(setLoaded)
      .catch((caught: unknown) => setError(caught))
      .finally(() => setPending(null));
  };

  const runForReal = () => {
    setError(null);
    setPending('run');
    api
      .post<{ id: string }>(`${path}/run`)
      .then((answer) => navigate(`/bulk/${encodeURIComponent(answer.id)}`))
      .catch((caught: unknown) => setError(caught))
      .finally(() => setPending(null));
  };

  // The undo starts as a preview (a dry run); its page offers to run it for real.
  const undo = () => {
    setError(null);
    setPending('undo');
    api
      .post<{ id: string }>(`${path}/undo`, { dryRun: true, ...(deleteCreated ? { deleteCreatedUsers: true } : {}) })
      .then((answer) => navigate(`/bulk/${encodeURIComponent(answer.id)}`))
      .catch((caught: unknown) => setError(caught))
      .finally(() => setPending(null));
  };

  const remove = () => {
    setError(null);
    setPending('remove');
    api
      .delete(path)
      .then(() => navigate('/bulk', { state: { removed: operation.fileName } }))
      .catch((caught: unknown) => {
        setError(caught);
        setPending(null);
      });
  };

  const date = (value: string | null) => (value ? formatDate.format(new Date(value)) : '—');
  const unfinished = isUnfinished(operation);
  // The undo of a directory-sync run is an operation of users named by its run, not a file's type.
  const title = operation.sourceSyncRunId
    ? t('bulk.syncRunUndo')
    : operation.group
      ? t('bulk.typeWithGroup', { type: t(typeKey(operation.type)), group: operation.group.name })
      : t(typeKey(operation.type));
  const fileError = operation.status === 'failed' ? operation.error : null;
  const fileErrorKey = fileError ? `errors.${fileError.code}` : '';

  return (
    <Flex direction="column" gap="size-300">
      <Flex direction="column" gap="size-100">
        {back}
        <PageTitle>{title}</PageTitle>
        <Flex gap="size-100" alignItems="center">
          <StatusBadge operation={operation} />
          {operation.dryRun && <DryRunBadge />}
          {operation.undo && (
            <Badge variant="seafoam" data-testid="bulk-undo-badge">
              {t('bulk.undo.badge')}
            </Badge>
          )}
          {operation.undo && operation.deleteCreatedUsers && (
            <Badge variant="negative" data-testid="bulk-undo-deletes-badge">
              {t('bulk.undo.deletesBadge')}
            </Badge>
          )}
        </Flex>
      </Flex>

      <Flex gap="size-400" wrap data-testid="bulk-summary">
        <LabeledValue label={t('bulk.column.fileName')} value={operation.fileName} data-testid="bulk-file-name" />
        <LabeledValue
          label={t('bulk.column.initiatedBy')}
          value={operation.initiatedBy.label ?? t('bulk.unknownInitiator')}
          data-testid="bulk-initiated-by"
        />
        <LabeledValue label={t('bulk.created')} value={date(operation.createdAt)} />
        <LabeledValue label={t('bulk.column.startedAt')} value={date(operation.startedAt)} />
        <LabeledValue label={t('bulk.column.finishedAt')} value={date(operation.finishedAt)} />
      </Flex>
      <Flex gap="size-400" wrap data-testid="bulk-counts">
        <LabeledValue
          label={t('bulk.count.total')}
          value={operation.totalRows === null ? '—' : formatNumber.format(operation.totalRows)}
          data-testid="bulk-count-total"
        />
        {(['processed', 'succeeded', 'failed', 'skipped'] as const).map((count) => (
          <LabeledValue
            key={count}
            label={t(`bulk.count.${count}`)}
            value={formatNumber.format(operation[`${count}Rows`])}
            data-testid={`bulk-count-${count}`}
          />
        ))}
      </Flex>
      <OperationProgress operation={operation} width="size-6000" />

      <Flex gap="size-100" wrap alignItems="center">
        {canRunForReal(operation) && (
          <ConfirmButton
            label={t('bulk.run.action')}
            title={t(operation.undo ? 'bulk.undo.runTitle' : 'bulk.run.title')}
            text={operation.undo ? t('bulk.undo.runText') : t('bulk.run.text', { name: operation.fileName })}
            onConfirm={runForReal}
            buttonVariant="accent"
            variant="confirmation"
            isPending={pending === 'run'}
            testId="bulk-run"
          />
        )}
        {canRun && canUndo(operation) && (
          <ConfirmButton
            label={t('bulk.undo.action')}
            title={t('bulk.undo.title')}
            onConfirm={undo}
            buttonVariant="secondary"
            variant="confirmation"
            isPending={pending === 'undo'}
            testId="bulk-undo"
            text={
              <Flex direction="column" gap="size-100">
                <span>{t('bulk.undo.text', { name: operation.fileName })}</span>
                {operation.type === 'add-users' && !operation.undo && can('user.delete') && (
                  <>
                    <Checkbox
                      isSelected={deleteCreated}
                      onChange={setDeleteCreated}
                      data-testid="bulk-undo-delete-created"
                    >
                      {t('bulk.undo.deleteCreated')}
                    </Checkbox>
                    {deleteCreated && (
                      <InlineAlert variant="notice" data-testid="bulk-undo-delete-warning">
                        <Heading>{t('bulk.undo.deleteCreatedTitle')}</Heading>
                        <Content>{t('bulk.undo.deleteCreatedText')}</Content>
                      </InlineAlert>
                    )}
                  </>
                )}
              </Flex>
            }
          />
        )}
        {unfinished && (
          <Button variant="negative" onPress={cancel} isPending={pending === 'cancel'} data-testid="bulk-cancel">
            {t('bulk.cancel')}
          </Button>
        )}
        {!unfinished && (
          <Link href={`${path}/results.csv`} download data-testid="bulk-results-csv">
            {t('bulk.downloadResults')}
          </Link>
        )}
        {!unfinished && (
          <ConfirmButton
            label={t('bulk.remove.action')}
            title={t('bulk.remove.title')}
            text={t('bulk.remove.text', { name: operation.fileName })}
            onConfirm={remove}
            buttonVariant="secondary"
            isDisabled={pending === 'remove'}
            testId="bulk-remove-one"
          />
        )}
      </Flex>
      {operation.sourceOperationId && (
        <View>
          <Link
            onPress={() => navigate(`/bulk/${encodeURIComponent(operation.sourceOperationId ?? '')}`)}
            data-testid="bulk-source"
          >
            {t(operation.undo ? 'bulk.undoSource' : 'bulk.source')}
          </Link>
        </View>
      )}
      {operation.undoneBy && (
        <Flex gap="size-100" alignItems="center" data-testid="bulk-undone-by">
          <span>{t('bulk.undoneBy', { name: operation.undoneBy.label, at: date(operation.undoneBy.at) })}</span>
          <Link
            onPress={() => navigate(`/bulk/${encodeURIComponent(operation.undoneBy?.operationId ?? '')}`)}
            data-testid="bulk-open-undo"
          >
            {t('bulk.openUndo')}
          </Link>
        </Flex>
      )}

      {error !== null && (
        <InlineAlert variant="negative" data-testid="bulk-action-error">
          <Heading>{t('bulk.failed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}
      {fileError && (
        <InlineAlert variant="negative" data-testid="bulk-file-error">
          <Heading>{t('bulk.fileFailed')}</Heading>
          <Content>
            {i18n.exists(fileErrorKey) && <p>{t(fileErrorKey)}</p>}
            <p data-testid="bulk-file-error-detail">{fileError.message}</p>
          </Content>
        </InlineAlert>
      )}
      {operation.deficits.length > 0 && <DeficitTable deficits={operation.deficits} dryRun={operation.dryRun} />}

      <RowsTable
        key={operation.id}
        operationId={operation.id}
        refreshKey={`${operation.status}:${operation.processedRows}:${operation.failedRows}:${operation.skippedRows}`}
        counts={{
          all: operation.totalRows,
          failed: operation.failedRows,
          succeeded: operation.succeededRows,
          skipped: operation.skippedRows,
        }}
      />
    </Flex>
  );
}
