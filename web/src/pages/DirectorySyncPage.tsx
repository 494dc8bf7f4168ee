import {
  ActionButton,
  Badge,
  Button,
  ButtonGroup,
  Cell,
  Column,
  Content,
  Flex,
  Heading,
  InlineAlert,
  Item,
  ProgressCircle,
  Row,
  TabList,
  TableBody,
  TableHeader,
  TableView,
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

/** "Test connection" results: the first users and how they map, the mapped groups found. */
function TestResult({ result }: { result: SyncTestResult }) {
  const { t } = useTranslation();
  return (
    <Flex direction="column" gap="size-150" data-testid="sync-test-result">
      <InlineAlert variant="positive">
        <Heading>{t('sync.test.ok')}</Heading>
        <Content>{t('sync.test.summary', { number: result.users.length })}</Content>
      </InlineAlert>
      <TableView aria-label={t('sync.test.users')} data-testid="sync-test-users" maxHeight="size-3600">
        <TableHeader>
          <Column key="email">{t('sync.column.email')}</Column>
          <Column key="name">{t('sync.column.name')}</Column>
          <Column key="scope">{t('sync.column.inScope')}</Column>
          <Column key="groups">{t('sync.column.userGroups')}</Column>
          <Column key="profiles">{t('sync.column.profiles')}</Column>
        </TableHeader>
        <TableBody>
          {result.users.map((user) => (
            <Row key={user.dn}>
              <Cell>{user.email ?? '—'}</Cell>
              <Cell>{[user.firstName, user.lastName].filter(Boolean).join(' ') || '—'}</Cell>
              <Cell>{user.inScope ? t('sync.test.inScope') : t('sync.test.outOfScope')}</Cell>
              <Cell>{user.userGroups.join(', ') || '—'}</Cell>
              <Cell>{user.profiles.join(', ') || '—'}</Cell>
            </Row>
          ))}
        </TableBody>
      </TableView>
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
  if (runs.length === 0) {
    return <Text data-testid="sync-runs-empty">{t('sync.runs.empty')}</Text>;
  }
  return (
    <TableView
      aria-label={t('sync.runs.title')}
      data-testid="sync-runs"
      maxHeight="size-4600"
      onAction={(key) => navigate(`/settings/directories/${directoryId}/sync/runs/${encodeURIComponent(String(key))}`)}
    >
      <TableHeader>
        <Column key="created">{t('sync.column.started')}</Column>
        <Column key="kind">{t('sync.column.kind')}</Column>
        <Column key="status">{t('sync.column.status')}</Column>
        <Column key="counts">{t('sync.column.counts')}</Column>
      </TableHeader>
      <TableBody>
        {runs.map((run) => (
          <Row key={run.id}>
            <Cell>{formatDate.format(new Date(run.createdAt))}</Cell>
            <Cell>
              {run.dryRun
                ? t('sync.runs.preview')
                : run.trigger === 'schedule'
                  ? t('sync.runs.scheduled')
                  : t('sync.runs.run')}
            </Cell>
            <Cell textValue={run.status}>
              <Badge variant={runStatusVariant(run.status)}>{t(`sync.status.${run.status}`)}</Badge>
            </Cell>
            <Cell>
              {t('sync.runs.counts', {
                created: run.created,
                updated: run.updated,
                removed: run.removed,
                failed: run.failed,
              })}
            </Cell>
          </Row>
        ))}
      </TableBody>
    </TableView>
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
