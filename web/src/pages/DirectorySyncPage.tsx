import {
  ActionButton,
  Badge,
  Button,
  ButtonGroup,
  Content,
  Flex,
  Heading,
  InlineAlert,
  Item,
  ProgressCircle,
  TabList,
  TabPanels,
  Tabs,
  Text,
  useDateFormatter,
  View,
} from '@adobe/react-spectrum';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { ApiError, api, request } from '../api.ts';
import { usePoll } from '../bulk/usePoll.ts';
import { type ItemsColumn, ItemsTable } from '../components/ItemsTable.tsx';
import { NoAccess } from '../components/NoAccess.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { Toast } from '../components/Toast.tsx';
import { errorMessage, fieldProblems } from '../errors.ts';
import { useCan } from '../session.tsx';
import { bodyOf, formFrom, SyncForm, type SyncFormState } from '../sync/SyncForm.tsx';
import {
  type DirectorySync,
  isUnfinished,
  runStatusVariant,
  type SyncRun,
  type SyncTestResult,
  syncPath,
} from '../sync/types.ts';

/** A failed call's message with its field problems. */
function Problem({ title, error }: { title: string; error: unknown }) {
  const { t } = useTranslation();
  if (error === null) {
    return null;
  }
  const problems = fieldProblems(error);
  const detail =
    error instanceof ApiError && error.message && errorMessage(t, error) !== error.message ? error.message : null;
  return (
    <InlineAlert variant="negative" data-testid="sync-error">
      <Heading>{title}</Heading>
      <Content>
        {errorMessage(t, error)}
        {detail && <div data-testid="sync-error-detail">{detail}</div>}
        {problems.length > 0 && (
          <ul>
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        )}
      </Content>
    </InlineAlert>
  );
}

type UserColumn = 'email' | 'name' | 'scope' | 'groups' | 'profiles';
type TestUser = SyncTestResult['users'][number];
type RunColumn = 'created' | 'kind' | 'status' | 'counts';

/** A Spectrum table's row height at regular density. */
const ROW_HEIGHT = 40;

/** "Test connection" results: the first users and how they map, the mapped groups found. */
function TestResult({ result }: { result: SyncTestResult }) {
  const { t } = useTranslation();
  const userColumns: ItemsColumn<UserColumn>[] = [
    { key: 'email', name: t('sync.column.email') },
    { key: 'name', name: t('sync.column.name') },
    { key: 'scope', name: t('sync.column.inScope') },
    { key: 'groups', name: t('sync.column.userGroups') },
    { key: 'profiles', name: t('sync.column.profiles') },
  ];
  const userText = (user: TestUser, key: UserColumn): string => {
    switch (key) {
      case 'email':
        return user.email ?? '—';
      case 'name':
        return [user.firstName, user.lastName].filter(Boolean).join(' ') || '—';
      case 'scope':
        return user.inScope ? t('sync.test.inScope') : t('sync.test.outOfScope');
      case 'groups':
        return user.userGroups.join(', ') || '—';
      case 'profiles':
        return user.profiles.join(', ') || '—';
    }
  };
  return (
    <Flex direction="column" gap="size-150" data-testid="sync-test-result">
      <InlineAlert variant="positive">
        <Heading>{t('sync.test.ok')}</Heading>
        <Content>{t('sync.test.summary', { number: result.users.length })}</Content>
      </InlineAlert>
      <ItemsTable
        aria-label={t('sync.test.users')}
        data-testid="sync-test-users"
        columns={userColumns}
        items={result.users}
        itemKey={(user) => user.dn}
        cell={userText}
        cellText={userText}
        loading={false}
        rowHeight={ROW_HEIGHT}
        minRows={1}
        maxHeight="size-3600"
      />
      <View>
        <Heading level={4} margin={0}>
          {t('sync.test.groups')}
        </Heading>
        <ul data-testid="sync-test-groups">
          {result.groups.map((group) => (
            <li key={group.directoryGroup}>
              {group.found
                ? t('sync.test.groupFound', { name: group.directoryGroup, members: group.members })
                : t('sync.test.groupMissing', { name: group.directoryGroup })}
            </li>
          ))}
        </ul>
      </View>
    </Flex>
  );
}

/** A directory's runs, newest first, each linking to its results. */
function RunsTable({ directoryId, runs }: { directoryId: string; runs: SyncRun[] }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const formatDate = useDateFormatter({ dateStyle: 'medium', timeStyle: 'medium' });
  const runColumns: ItemsColumn<RunColumn>[] = [
    { key: 'created', name: t('sync.column.started') },
    { key: 'kind', name: t('sync.column.kind') },
    { key: 'status', name: t('sync.column.status') },
    { key: 'counts', name: t('sync.column.counts') },
  ];
  const runText = (run: SyncRun, key: RunColumn): string => {
    switch (key) {
      case 'created':
        return formatDate.format(new Date(run.createdAt));
      case 'kind':
        return run.dryRun
          ? t('sync.runs.preview')
          : run.trigger === 'schedule'
            ? t('sync.runs.scheduled')
            : t('sync.runs.run');
      case 'status':
        return t(`sync.status.${run.status}`);
      case 'counts':
        return t('sync.runs.counts', {
          created: run.created,
          updated: run.updated,
          removed: run.removed,
          failed: run.failed,
        });
    }
  };
  if (runs.length === 0) {
    return <Text data-testid="sync-runs-empty">{t('sync.runs.empty')}</Text>;
  }
  return (
    <ItemsTable
      aria-label={t('sync.runs.title')}
      data-testid="sync-runs"
      onAction={(key) => navigate(`/settings/directories/${directoryId}/sync/runs/${encodeURIComponent(String(key))}`)}
      columns={runColumns}
      items={runs}
      itemKey={(run) => run.id}
      cell={(run, key) =>
        key === 'status' ? <Badge variant={runStatusVariant(run.status)}>{runText(run, key)}</Badge> : runText(run, key)
      }
      cellText={(run, key) => (key === 'status' ? run.status : runText(run, key))}
      loading={false}
      rowHeight={ROW_HEIGHT}
      minRows={1}
      maxHeight="size-4600"
    />
  );
}

/**
 * Settings → Directories → a directory → Sync: the connection (configuration, test connection),
 * "Preview sync" and "Run sync now", and the runs with their results.
 */
export function DirectorySyncPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const can = useCan();
  const navigate = useNavigate();
  const [directoryName, setDirectoryName] = useState<string | null>(null);
  const [sync, setSync] = useState<DirectorySync | null>(null);
  const [form, setForm] = useState<SyncFormState>(() => formFrom(null));
  const [runs, setRuns] = useState<SyncRun[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState<'save' | 'test' | 'run' | 'preview' | null>(null);
  const [testResult, setTestResult] = useState<SyncTestResult | null>(null);
  const [saved, setSaved] = useState(false);
  const path = syncPath(id);
  const allowed = can('domain.manage');

  const loadRuns = useCallback(async () => {
    const page = await api.get<{ items: SyncRun[] }>(`${path}/runs?limit=20`);
    setRuns(page.items);
  }, [path]);

  useEffect(() => {
    if (!allowed) {
      return;
    }
    setLoading(true);
    const load = async () => {
      const directory = await api.get<{ name: string }>(`/api/v1/directories/${encodeURIComponent(id)}`);
      setDirectoryName(directory.name);
      try {
        const stored = await api.get<DirectorySync>(path);
        setSync(stored);
        setForm(formFrom(stored));
        await loadRuns();
      } catch (caught) {
        if (!(caught instanceof ApiError && caught.code === 'sync.not_configured')) {
          throw caught;
        }
      }
    };
    load()
      .catch((caught: unknown) => setError(caught))
      .finally(() => setLoading(false));
  }, [allowed, id, path, loadRuns]);

  usePoll(runs.some(isUnfinished), loadRuns);

  if (!allowed) {
    return (
      <>
        <PageTitle>{t('sync.title')}</PageTitle>
        <NoAccess text={t('sync.noAccess')} />
      </>
    );
  }
  if (loading) {
    return <ProgressCircle aria-label={t('common.loading')} isIndeterminate />;
  }

  const save = () => {
    setError(null);
    setSaved(false);
    setPending('save');
    request<DirectorySync>('PUT', path, { body: bodyOf(form) })
      .then((stored) => {
        setSync(stored);
        setForm(formFrom(stored));
        setSaved(true);
      })
      .catch((caught: unknown) => setError(caught))
      .finally(() => setPending(null));
  };
  const test = () => {
    setError(null);
    setTestResult(null);
    setPending('test');
    api
      .post<SyncTestResult>(`${path}/test`, bodyOf(form))
      .then(setTestResult)
      .catch((caught: unknown) => setError(caught))
      .finally(() => setPending(null));
  };
  const start = (dryRun: boolean) => {
    setError(null);
    setPending(dryRun ? 'preview' : 'run');
    api
      .post<{ id: string }>(`${path}/runs`, { dryRun })
      .then((answer) => navigate(`/settings/directories/${id}/sync/runs/${answer.id}`))
      .catch((caught: unknown) => setError(caught))
      .finally(() => setPending(null));
  };

  return (
    <Flex direction="column" gap="size-300">
      <View>
        <ActionButton isQuiet onPress={() => navigate('/settings')} data-testid="sync-back">
          {t('sync.back')}
        </ActionButton>
      </View>
      <PageTitle>{t('sync.titleNamed', { name: directoryName ?? '' })}</PageTitle>
      <Text>{t('sync.intro')}</Text>
      <Problem title={t('sync.failed')} error={error} />
      <Toast message={saved ? t('sync.form.saved') : null} onDismiss={() => setSaved(false)} testId="sync-saved" />
      <ButtonGroup>
        <Button
          variant="secondary"
          isDisabled={!sync}
          isPending={pending === 'preview'}
          onPress={() => start(true)}
          data-testid="sync-preview"
        >
          {t('sync.preview')}
        </Button>
        <Button
          variant="accent"
          isDisabled={!sync}
          isPending={pending === 'run'}
          onPress={() => start(false)}
          data-testid="sync-run"
        >
          {t('sync.runNow')}
        </Button>
      </ButtonGroup>
      <Tabs aria-label={t('sync.title')} defaultSelectedKey={sync ? 'runs' : 'configuration'}>
        <TabList>
          <Item key="configuration">{t('sync.tabs.configuration')}</Item>
          <Item key="runs">{t('sync.tabs.runs')}</Item>
        </TabList>
        <TabPanels>
          <Item key="configuration">
            <Flex direction="column" gap="size-300" marginTop="size-200">
              <SyncForm
                form={form}
                onChange={setForm}
                passwordStored={sync !== null}
                pending={pending === 'save' || pending === 'test' ? pending : null}
                onSave={save}
                onTest={test}
              />
              {testResult && <TestResult result={testResult} />}
            </Flex>
          </Item>
          <Item key="runs">
            <View marginTop="size-200">
              <RunsTable directoryId={id} runs={runs} />
            </View>
          </Item>
        </TabPanels>
      </Tabs>
    </Flex>
  );
}
